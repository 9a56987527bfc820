package io.tandem.l7.proxy;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.util.ReferenceCountUtil;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP/2 server (h2c, Netty's codec) that processes no stream: each request is refused, the way a busy or
 * stopping server refuses one, either with RST_STREAM REFUSED_STREAM or with a GOAWAY whose last stream id is below
 * the stream's (RFC 9113 §8.7: not processed, safe to send again). Counts the streams it refused.
 */
final class RefusingH2Server implements AutoCloseable {
    /**
     * RESET: RST_STREAM REFUSED_STREAM as the request's HEADERS come; RESET_AT_END: the same once the whole request
     * was read (so its client has sent all of its body); GOAWAY: a GOAWAY below the stream as its HEADERS come.
     */
    enum Mode { RESET, RESET_AT_END, GOAWAY }

    final AtomicInteger refused = new AtomicInteger();
    private final Mode mode;
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel listener;

    RefusingH2Server(Mode mode) throws InterruptedException {
        this.mode = mode;
        listener = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        Http2FrameCodec codec = Http2FrameCodecBuilder.forServer().build();
                        ch.pipeline().addLast(codec, new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                try {
                                    if (msg instanceof Http2HeadersFrame headers
                                            && (mode != Mode.RESET_AT_END || headers.isEndStream())) {
                                        refuse(ctx, codec, headers.stream());
                                    } else if (msg instanceof Http2DataFrame data && mode == Mode.RESET_AT_END) {
                                        if (data.isEndStream()) {
                                            refuse(ctx, codec, data.stream());
                                        } else {
                                            // Read on: the window goes back, so the client can send it all.
                                            ctx.writeAndFlush(new DefaultHttp2WindowUpdateFrame(
                                                    data.initialFlowControlledBytes()).stream(data.stream()));
                                        }
                                    }
                                } finally {
                                    ReferenceCountUtil.release(msg);
                                }
                            }
                        });
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    }

    private void refuse(ChannelHandlerContext ctx, Http2FrameCodec codec, Http2FrameStream stream) {
        refused.incrementAndGet();
        if (mode == Mode.GOAWAY) {
            // Stops before this stream: the ones below it would be finished.
            codec.goAway(ctx, Math.max(0, stream.id() - 2), Http2Error.NO_ERROR.code(), Unpooled.EMPTY_BUFFER,
                    ctx.newPromise());
            ctx.flush();
        } else {
            ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.REFUSED_STREAM).stream(stream));
        }
    }

    String address() {
        return "127.0.0.1:" + ((InetSocketAddress) listener.localAddress()).getPort();
    }

    @Override
    public void close() throws InterruptedException {
        listener.close().sync();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }
}
