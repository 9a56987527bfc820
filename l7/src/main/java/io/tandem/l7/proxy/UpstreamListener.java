package io.tandem.l7.proxy;

/** What an exchange hears from its server connection: the connection itself, then the response and its end. */
interface UpstreamListener {

    /** A connection is ready; {@code reused} when it came from the idle pool and may have been closed meanwhile. */
    void onUpstreamReady(UpstreamConnection upstream, boolean reused);

    void onUpstreamConnectFailed(Throwable cause);

    /** A decoded response object (head, content or last content); the listener owns and releases it. */
    void onUpstreamMessage(Object msg);

    void onUpstreamReadComplete();

    void onUpstreamWritabilityChanged(boolean writable);

    /** The connection closed or failed; {@code cause} is null for a plain close. */
    void onUpstreamClosed(Throwable cause);
}
