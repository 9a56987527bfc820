package io.tandem.l7.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.tandem.l7.http.FlatHeaders;

/**
 * Encodes responses to the client. Unlike a plain {@link HttpResponseEncoder} it is told when the response
 * answers a HEAD request, so a chunked HEAD response is sent without a body terminator that would corrupt the
 * next response on the connection.
 */
final class ProxyResponseEncoder extends HttpResponseEncoder {
    private boolean answeringHead;

    void answeringHead(boolean head) {
        this.answeringHead = head;
    }

    @Override
    protected boolean isContentAlwaysEmpty(HttpResponse msg) {
        return answeringHead || super.isContentAlwaysEmpty(msg);
    }

    @Override
    protected void encodeHeaders(HttpHeaders headers, ByteBuf buf) {
        FlatHeaders.encode(headers, buf);
    }
}
