package io.tandem.l7.proxy;

/** One server connection, as the exchange (or tunnel) holding it uses it. */
interface UpstreamConnection {

    /** Queues a request part (or, in a tunnel, raw bytes); the connection takes it over. */
    void send(Object message);

    void flush();

    /** True while the server takes more without it piling up in the proxy. */
    boolean isWritable();

    /** Resumes (true) or pauses (false) reading from the server: back-pressure from the client's side. */
    void readFromServer(boolean read);

    /**
     * The exchange is over: the connection waits for the next request when the request was sent completely and
     * the connection is still fit for one (the server keeps it open, nothing unread is left); else it closes.
     */
    void release(boolean requestComplete);

    /** Closes a connection whose exchange ended badly, or never needed it. */
    void discard();

    /** The server switched protocols: from now on the connection carries raw bytes, and its events go to {@code tunnel}. */
    void toTunnel(UpstreamListener tunnel);

    /** Closes once what was sent is flushed (the end of a tunnel). */
    void closeAfterFlush();
}
