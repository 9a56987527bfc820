package io.tandem.l7.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2SettingsFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import io.tandem.core.balance.Server;
import io.tandem.core.net.EpollInterestPin;
import io.tandem.core.net.EventLoops;
import io.tandem.core.net.InactivityTimer;
import io.tandem.core.tls.TlsClient;

import javax.net.ssl.SSLHandshakeException;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * HTTP/2 connections to servers with {@code proto: h2} (h2c, or over TLS with ALPN h2): each exchange is a stream
 * ({@link Http2UpstreamStream}) of a connection its event loop shares with the loop's other exchanges to the same
 * server. A connection takes as many streams as the server's SETTINGS_MAX_CONCURRENT_STREAMS allows; beyond that
 * another one opens. One that got GOAWAY takes no new stream and closes when its streams are done; one idle for the
 * upstream idle timeout closes.
 */
final class Http2Upstreams {
    /**
     * Streams a connection takes before the server's SETTINGS tell its limit: the least RFC 9113 §6.5.2 recommends,
     * so that none is refused by a server that keeps to it.
     */
    private static final int STREAMS_BEFORE_SETTINGS = 100;
    /** The response header list a server may send: as HTTP/1's response header limit (see Upstreams). */
    private static final int MAX_HEADER_LIST_SIZE = 65536;
    /**
     * The connection's receive window. HTTP/2 starts it as small as one stream's (65535 bytes), so one stream whose
     * client stopped reading would stall every other stream of the connection: this lets about a hundred streams'
     * windows be full at once. A paused stream still holds at most its own window.
     */
    private static final int CONNECTION_WINDOW = 100 * Http2CodecUtil.DEFAULT_WINDOW_SIZE;

    private final EventLoops loops;
    private final long idleTimeoutMillis;
    private final FastThreadLocal<Map<Server, List<ServerConnection>>> pools = new FastThreadLocal<>() {
        @Override
        protected Map<Server, List<ServerConnection>> initialValue() {
            return new HashMap<>();
        }
    };

    Http2Upstreams(EventLoops loops, long idleTimeoutMillis) {
        this.loops = loops;
        this.idleTimeoutMillis = idleTimeoutMillis;
    }

    /**
     * A stream to {@code server} on a connection of this loop that has room for one, when {@code mayReuse}; else
     * on a new connection.
     */
    void acquire(EventLoop loop, Server server, int connectTimeoutMillis, boolean mayReuse,
                 UpstreamListener listener) {
        List<ServerConnection> connections = pools.get().computeIfAbsent(server, s -> new ArrayList<>(2));
        if (mayReuse) {
            for (ServerConnection connection : connections) {
                if (connection.hasRoom()) {
                    connection.take(listener);
                    return;
                }
            }
        }
        ServerConnection connection = new ServerConnection(server, connections, connectTimeoutMillis);
        connections.add(connection);
        connection.connect(loop);
        connection.take(listener);
    }

    /**
     * One HTTP/2 connection to a server, the last handler of its pipeline: opens streams for the exchanges that
     * take one (queued until the server's SETTINGS came), and hears the connection's SETTINGS, GOAWAY and end.
     */
    private final class ServerConnection extends ChannelInboundHandlerAdapter {
        private final Server server;
        private final List<ServerConnection> pool;
        private final int connectTimeoutMillis;
        private final ArrayDeque<UpstreamListener> waiting = new ArrayDeque<>(2);
        private Channel channel;
        private Http2FrameCodec codec;
        private InactivityTimer idle;
        private ScheduledFuture<?> settingsDeadline;
        private Throwable failure;
        private boolean ready;
        private boolean goingAway;
        private int streams;

        ServerConnection(Server server, List<ServerConnection> pool, int connectTimeoutMillis) {
            this.server = server;
            this.pool = pool;
            this.connectTimeoutMillis = connectTimeoutMillis;
        }

        void connect(EventLoop loop) {
            TlsClient tls = server.tls();
            codec = Http2FrameCodecBuilder.forClient()
                    .initialSettings(Http2Settings.defaultSettings().pushEnabled(false)
                            .maxHeaderListSize(MAX_HEADER_LIST_SIZE))
                    .build();
            idle = new InactivityTimer(loop, this::onIdle);
            ChannelFuture connect = Upstreams.serverBootstrap(loops, loop, tls, connectTimeoutMillis, pipeline -> {
                // The server pushes nothing (SETTINGS_ENABLE_PUSH 0): a stream it opens is closed.
                pipeline.addLast(codec, new Http2MultiplexHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel pushed) {
                        pushed.close();
                    }
                }), this);
            }).connect(server.socketAddress());
            channel = connect.channel();
            // The connect, the handshake and the server's SETTINGS all count in timeout.connect.
            settingsDeadline = loop.schedule(() -> failAll(new ConnectTimeoutException("no HTTP/2 SETTINGS from "
                    + "the server within " + connectTimeoutMillis + "ms")), connectTimeoutMillis, TimeUnit.MILLISECONDS);
            connect.addListener((ChannelFuture f) -> {
                if (f.isSuccess()) {
                    EpollInterestPin.pin(f.channel());
                } else {
                    failAll(f.cause());
                }
            });
        }

        /** True when a new exchange may have a stream here now or once the SETTINGS came. */
        boolean hasRoom() {
            if (goingAway || failure != null) {
                return false;
            }
            int limit = ready ? codec.connection().local().maxActiveStreams() : STREAMS_BEFORE_SETTINGS;
            return streams + waiting.size() < limit;
        }

        void take(UpstreamListener listener) {
            if (ready) {
                open(listener, true);
            } else {
                waiting.add(listener);
            }
        }

        private void open(UpstreamListener listener, boolean reused) {
            streams++;
            idle.cancel();
            Http2UpstreamStream stream = new Http2UpstreamStream(this::streamClosed);
            Future<Http2StreamChannel> opening = new Http2StreamChannelBootstrap(channel)
                    .handler(new ChannelInitializer<Http2StreamChannel>() {
                        @Override
                        protected void initChannel(Http2StreamChannel ch) {
                            ch.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(false), stream);
                        }
                    })
                    .open();
            opening.addListener(f -> {
                if (f.isSuccess()) {
                    stream.attach(listener);
                    listener.onUpstreamReady(stream, reused);
                } else {
                    stream.ended();
                    listener.onUpstreamConnectFailed(f.cause());
                }
            });
        }

        private void streamClosed() {
            streams--;
            if (streams == 0) {
                if (goingAway) {
                    channel.close();
                } else {
                    idle.start(idleTimeoutMillis);
                }
            }
        }

        private void onIdle() {
            if (streams == 0 && waiting.isEmpty()) {
                leavePool();
                channel.close();
            }
        }

        /** After the preface the codec sent: the connection's window grows to {@link #CONNECTION_WINDOW}. */
        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            int increment = CONNECTION_WINDOW - Http2CodecUtil.DEFAULT_WINDOW_SIZE;
            ctx.writeAndFlush(new DefaultHttp2WindowUpdateFrame(increment));
            ctx.fireChannelActive();
        }

        /** The server's first SETTINGS make the connection ready: the exchanges waiting get their streams. */
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof Http2SettingsFrame && !ready) {
                    ready = true;
                    settingsDeadline.cancel(false);
                    startWaiting();
                } else if (msg instanceof Http2GoAwayFrame) {
                    // No new stream here; Netty closes the streams the server will not process.
                    goingAway = true;
                    leavePool();
                    if (streams == 0) {
                        ctx.close();
                    }
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private void startWaiting() {
            int limit = codec.connection().local().maxActiveStreams();
            UpstreamListener listener;
            while ((listener = waiting.poll()) != null) {
                if (streams < limit) {
                    open(listener, false);
                } else {
                    // The server allows fewer streams than were waiting: the others go to another connection.
                    acquire(channel.eventLoop(), server, connectTimeoutMillis, true, listener);
                }
            }
        }

        /** Over TLS the server must agree on h2 when it speaks ALPN at all (one that does not is taken at its word). */
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SslHandshakeCompletionEvent handshake) {
                String alpn = ctx.pipeline().get(SslHandler.class).applicationProtocol();
                if (!handshake.isSuccess()) {
                    failAll(handshake.cause());
                } else if (alpn != null && !alpn.equals("h2")) {
                    failAll(new SSLHandshakeException("the server chose ALPN '" + alpn + "', not h2"));
                }
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            failAll(cause);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            failAll(failure != null ? failure : new ClosedChannelException());
            idle.stop();
        }

        /** The connection cannot serve: the exchanges still waiting fail as a connect failure (and may retry). */
        private void failAll(Throwable cause) {
            if (failure == null) {
                failure = cause;
            }
            leavePool();
            settingsDeadline.cancel(false);
            ready = false;
            channel.close();
            UpstreamListener listener;
            while ((listener = waiting.poll()) != null) {
                listener.onUpstreamConnectFailed(failure);
            }
        }

        private void leavePool() {
            if (pool.remove(this) && pool.isEmpty()) {
                pools.get().remove(server, pool);
            }
        }
    }
}
