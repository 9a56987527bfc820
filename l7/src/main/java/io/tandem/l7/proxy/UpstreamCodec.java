package io.tandem.l7.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpStatusClass;

import java.util.ArrayDeque;

/**
 * HTTP/1.1 on a server connection: what Netty's {@link HttpClientCodec} does for a proxy (requests out, responses
 * in, a HEAD response read without its body), plus what that codec keeps to itself and a connection pool must
 * know: whether the server sent bytes past the end of its response. Such a connection is out of step; reused,
 * those bytes would be read as the start of the next client's response.
 */
final class UpstreamCodec {
    private UpstreamCodec() {
    }

    /** Adds the codec; the decoder returned is what {@link ResponseDecoder#hasUnreadBytes} is asked of. */
    static ResponseDecoder addTo(ChannelPipeline pipeline, HttpDecoderConfig config) {
        ResponseDecoder decoder = new ResponseDecoder(config);
        pipeline.addLast(decoder, new RequestEncoder(decoder));
        return decoder;
    }

    /** Leaves the pipeline (a protocol switch); bytes the decoder had read past the 101 go on down the pipeline. */
    static void remove(Channel upstream) {
        ChannelPipeline pipeline = upstream.pipeline();
        if (pipeline.get(RequestEncoder.class) != null) {
            pipeline.remove(RequestEncoder.class);
        }
        if (pipeline.get(ResponseDecoder.class) != null) {
            pipeline.remove(ResponseDecoder.class);
        }
    }

    /** The response side of the codec. */
    static final class ResponseDecoder extends HttpResponseDecoder {
        private final ArrayDeque<HttpMethod> methods = new ArrayDeque<>(2);

        ResponseDecoder(HttpDecoderConfig config) {
            super(config);
        }

        /** True when bytes the server sent after its last complete response wait unread (none once removed). */
        boolean hasUnreadBytes() {
            return actualReadableBytes() > 0;
        }

        @Override
        protected boolean isContentAlwaysEmpty(HttpMessage msg) {
            if (((HttpResponse) msg).status().codeClass() == HttpStatusClass.INFORMATIONAL) {
                // An interim response: the final one, which answers the request, is still to come.
                return super.isContentAlwaysEmpty(msg);
            }
            return HttpMethod.HEAD.equals(methods.poll()) || super.isContentAlwaysEmpty(msg);
        }
    }

    private static final class RequestEncoder extends HttpRequestEncoder {
        private final ResponseDecoder decoder;

        RequestEncoder(ResponseDecoder decoder) {
            this.decoder = decoder;
        }

        @Override
        protected void encodeInitialLine(ByteBuf buf, HttpRequest request) throws Exception {
            decoder.methods.add(request.method());
            super.encodeInitialLine(buf, request);
        }
    }
}
