package io.tandem.l7.proxy;

import java.io.IOException;

/**
 * Why an HTTP/2 server stream closed without an answer when the server said it did not process it: RST_STREAM
 * REFUSED_STREAM, or a GOAWAY whose last stream id is below the stream's (RFC 9113 §8.7). Such a request may go to
 * another connection or server whatever its method, as HAProxy's {@code retry-on refused-stream} does.
 */
final class RefusedStream extends IOException {
    static final RefusedStream INSTANCE = new RefusedStream();

    private RefusedStream() {
        super("the server refused the stream (REFUSED_STREAM, or above the last stream id of its GOAWAY)", null);
    }

    /** One instance serves every refusal: it carries no stack of its own. */
    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }
}
