package io.tandem.core.health;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2ChannelDuplexHandler;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;

import java.nio.charset.StandardCharsets;

/**
 * An HTTP check of a server with {@code proto: h2}: sends the check's request as one HTTP/2 stream and hands the
 * {@link ProbeHandler} after it the response as the HTTP/1 text an {@link HttpProbe} judges (status line, blank line,
 * body), so that the verdict is made by the same code whatever protocol the server speaks. The stream's end closes
 * the connection: the reply is complete.
 */
final class Http2ProbeBridge extends Http2ChannelDuplexHandler {
    private final Http2Headers request;
    private boolean sent;

    private Http2ProbeBridge(Http2Headers request) {
        this.request = request;
    }

    /** Adds HTTP/2 and the bridge for {@code method path} to {@code authority} ({@code tls}: over TLS). */
    static void addTo(ChannelPipeline pipeline, String method, String path, String authority, boolean tls) {
        Http2Headers request = new DefaultHttp2Headers().method(method).path(path).scheme(tls ? "https" : "http")
                .authority(authority).add("user-agent", "tandem-check");
        pipeline.addLast(Http2FrameCodecBuilder.forClient().build(), new Http2ProbeBridge(request));
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        if (ctx.pipeline().get(SslHandler.class) == null) {
            send(ctx);
        }
        super.channelActive(ctx);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SslHandshakeCompletionEvent handshake && handshake.isSuccess()) {
            send(ctx);
        }
        super.userEventTriggered(ctx, evt);
    }

    private void send(ChannelHandlerContext ctx) {
        if (!sent) {
            sent = true;
            ctx.writeAndFlush(new DefaultHttp2HeadersFrame(request, true).stream(newStream()));
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof Http2HeadersFrame headers) {
                CharSequence status = headers.headers().status();
                if (status != null && status.charAt(0) != '1') {
                    ctx.fireChannelRead(Unpooled.copiedBuffer("HTTP/2.0 " + status + "\r\n\r\n",
                            StandardCharsets.ISO_8859_1));
                }
                endOfStream(ctx, headers);
            } else if (msg instanceof Http2DataFrame data) {
                ByteBuf content = data.content();
                ctx.fireChannelRead(content.retain());
                endOfStream(ctx, data);
            } else if (msg instanceof Http2ResetFrame || msg instanceof Http2GoAwayFrame) {
                ctx.close();
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private static void endOfStream(ChannelHandlerContext ctx, Http2StreamFrame frame) {
        boolean end = frame instanceof Http2HeadersFrame headers ? headers.isEndStream()
                : ((Http2DataFrame) frame).isEndStream();
        if (end) {
            ctx.close();
        }
    }
}
