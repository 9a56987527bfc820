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
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import io.tandem.l7.http.KnownNames;

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

    /**
     * The response side of the codec. The common parts of a head come out as constants rather than new strings:
     * the version, the status code and its standard reason phrase, the usual header names.
     */
    static final class ResponseDecoder extends HttpResponseDecoder {
        private static final String HTTP_1_1 = HttpVersion.HTTP_1_1.text();
        private static final String HTTP_1_0 = HttpVersion.HTTP_1_0.text();
        /** Status codes 100..599 as text, the reason phrase Netty knows for each (null where it knows none). */
        private static final String[] CODES = new String[600];
        private static final String[] REASONS = new String[600];

        static {
            for (int code = 100; code < CODES.length; code++) {
                CODES[code] = Integer.toString(code);
                HttpResponseStatus known = HttpResponseStatus.valueOf(code);
                if (!known.reasonPhrase().startsWith("Unknown Status")) {
                    REASONS[code] = known.reasonPhrase();
                }
            }
        }

        private final ArrayDeque<HttpMethod> methods = new ArrayDeque<>(2);
        /** The status code of the status line being split, for its reason phrase. */
        private int statusCode;

        ResponseDecoder(HttpDecoderConfig config) {
            super(config);
        }

        /** True when bytes the server sent after its last complete response wait unread (none once removed). */
        boolean hasUnreadBytes() {
            return actualReadableBytes() > 0;
        }

        @Override
        protected String splitFirstWordInitialLine(byte[] line, int start, int length) {
            if (KnownNames.equalsAt(line, start, length, HTTP_1_1)) {
                return HTTP_1_1;
            }
            if (KnownNames.equalsAt(line, start, length, HTTP_1_0)) {
                return HTTP_1_0;
            }
            return super.splitFirstWordInitialLine(line, start, length);
        }

        @Override
        protected String splitSecondWordInitialLine(byte[] line, int start, int length) {
            statusCode = 0;
            if (length == 3 && isDigit(line[start]) && isDigit(line[start + 1]) && isDigit(line[start + 2])) {
                int code = (line[start] - '0') * 100 + (line[start + 1] - '0') * 10 + line[start + 2] - '0';
                if (code >= 100 && code < CODES.length) {
                    statusCode = code;
                    return CODES[code];
                }
            }
            return super.splitSecondWordInitialLine(line, start, length);
        }

        @Override
        protected String splitThirdWordInitialLine(byte[] line, int start, int length) {
            String reason = statusCode == 0 ? null : REASONS[statusCode];
            if (reason != null && KnownNames.equalsAt(line, start, length, reason)) {
                return reason;
            }
            return super.splitThirdWordInitialLine(line, start, length);
        }

        @Override
        protected AsciiString splitHeaderName(byte[] line, int start, int length) {
            AsciiString known = KnownNames.lookup(line, start, length);
            return known != null ? known : super.splitHeaderName(line, start, length);
        }

        private static boolean isDigit(byte b) {
            return b >= '0' && b <= '9';
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
