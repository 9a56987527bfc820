package io.tandem.l7.http;

/** Why the strict HTTP/1.x decoder refused a request, and the status the proxy should answer with. */
public final class HttpRejection extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int status;

    /**
     * @param status HTTP status for the error response (400, 405, 414, 431, 505)
     * @param reason short operator-readable cause, e.g. "duplicate Content-Length"
     */
    public HttpRejection(int status, String reason) {
        super(reason);
        this.status = status;
    }

    /** HTTP status the proxy should send before closing the connection. */
    public int status() {
        return status;
    }

    /** Short cause, suitable for a log line. */
    public String reason() {
        return getMessage();
    }

    /** A rejection is an expected outcome of hostile input, not a bug: a stack trace would only cost time. */
    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }

    @Override
    public String toString() {
        return "HttpRejection[" + status + " " + getMessage() + "]";
    }
}
