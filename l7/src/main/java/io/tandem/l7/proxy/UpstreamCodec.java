package io.tandem.l7.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.tandem.l7.http.FlatHeaders;
import io.tandem.l7.http.Http1ResponseDecoder;

/**
 * HTTP/1.1 on a server connection: requests out through Netty's encoder, responses in through the strict
 * {@link Http1ResponseDecoder}, which the encoder tells which requests were HEAD (their responses have no body).
 * The decoder is also what a connection pool asks whether the server sent bytes past the end of its response:
 * such a connection is out of step; reused, those bytes would be read as the start of the next client's response.
 */
final class UpstreamCodec {
    /** Longest status line, largest header section and most fields a server's response may have. */
    private static final int MAX_STATUS_LINE = 8192;
    private static final int MAX_HEADER_BYTES = 65536;
    private static final int MAX_HEADER_COUNT = 200;

    private UpstreamCodec() {
    }

    /** Adds the codec; the decoder returned is what {@link Http1ResponseDecoder#hasUnreadBytes} is asked of. */
    static Http1ResponseDecoder addTo(ChannelPipeline pipeline) {
        Http1ResponseDecoder decoder = new Http1ResponseDecoder(MAX_STATUS_LINE, MAX_HEADER_BYTES, MAX_HEADER_COUNT);
        pipeline.addLast(decoder, new RequestEncoder(decoder));
        return decoder;
    }

    /** Leaves the pipeline (a protocol switch); bytes the decoder had read past the 101 go on down the pipeline. */
    static void remove(Channel upstream) {
        ChannelPipeline pipeline = upstream.pipeline();
        if (pipeline.get(RequestEncoder.class) != null) {
            pipeline.remove(RequestEncoder.class);
        }
        if (pipeline.get(Http1ResponseDecoder.class) != null) {
            pipeline.remove(Http1ResponseDecoder.class);
        }
    }

    private static final class RequestEncoder extends HttpRequestEncoder {
        private final Http1ResponseDecoder decoder;

        RequestEncoder(Http1ResponseDecoder decoder) {
            this.decoder = decoder;
        }

        @Override
        protected void encodeInitialLine(ByteBuf buf, HttpRequest request) throws Exception {
            decoder.requestSent(HttpMethod.HEAD.equals(request.method()));
            super.encodeInitialLine(buf, request);
        }

        @Override
        protected void encodeHeaders(HttpHeaders headers, ByteBuf buf) {
            FlatHeaders.encode(headers, buf);
        }
    }
}
