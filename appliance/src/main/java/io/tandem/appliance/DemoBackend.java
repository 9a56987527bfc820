package io.tandem.appliance;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.tandem.core.net.EventLoops;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * A small HTTP server for {@code tandem demo}: answers every request with its own name (body and
 * {@code X-Served-By}) and the request line, so a user sees which server the balancer chose.
 */
final class DemoBackend implements AutoCloseable {
    private final String name;
    private final Channel listener;

    private DemoBackend(String name, Channel listener) {
        this.name = name;
        this.listener = listener;
    }

    /** Starts a backend named {@code name} on a free loopback port. */
    static DemoBackend start(EventLoops loops, String name) {
        Channel listener = new ServerBootstrap()
                .group(loops.group())
                .channel(loops.serverChannelClass())
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpServerKeepAliveHandler(),
                                new HttpObjectAggregator(1 << 20), new Responder(name));
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).syncUninterruptibly().channel();
        return new DemoBackend(name, listener);
    }

    String name() {
        return name;
    }

    /** {@code 127.0.0.1:PORT}, as the config names servers. */
    String address() {
        InetSocketAddress local = (InetSocketAddress) listener.localAddress();
        return "127.0.0.1:" + local.getPort();
    }

    @Override
    public void close() {
        listener.close().syncUninterruptibly();
    }

    private static final class Responder extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final String name;

        Responder(String name) {
            this.name = name;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            String text = "Hello from " + name + ": " + request.method() + " " + request.uri() + "\n";
            ByteBuf body = Unpooled.copiedBuffer(text, StandardCharsets.UTF_8);
            FullHttpResponse response = new DefaultFullHttpResponse(request.protocolVersion(), HttpResponseStatus.OK,
                    body);
            response.headers()
                    .set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                    .set(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes())
                    .set("X-Served-By", name);
            ctx.writeAndFlush(response);
        }
    }
}
