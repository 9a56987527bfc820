package io.tandem.l7.proxy;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.VoidChannelPromise;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.FastThreadLocal;
import io.tandem.core.balance.Server;
import io.tandem.core.net.EpollInterestPin;
import io.tandem.core.net.EventLoops;
import io.tandem.core.tls.TlsClient;
import io.tandem.l7.http.Http1ResponseDecoder;

import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * HTTP/1.1 connections to servers (HTTP/2 for a server with {@code proto: h2}: {@link Http2Upstreams}), over TLS
 * for a server with {@code ssl}. A connection is opened on the client's event loop (so both sides of an exchange
 * run on one thread, without locks) and, once its response is complete, parked in that loop's idle pool for the
 * next request to the same server. What HTTP/1.1 asks of the server side is here: requests go out as HTTP/1.1
 * (so connections pool whatever the client speaks), an upgrade is asked with {@code Connection: upgrade}, and a
 * response's hop-by-hop headers and keep-alive stay with its connection.
 */
final class Upstreams implements UpstreamConnector {
    /**
     * Idle connections kept per server and loop. One HTTP/2 client connection runs up to 100 streams, each on a
     * server connection of its own: at 128, 50 h2 clients at 10 streams closed three of every four connections after
     * one request (a connect, a close and a TIME_WAIT socket per request). The idle timeout bounds the rest.
     */
    private static final int MAX_IDLE_PER_SERVER = 4096;
    private static final long SWEEP_INTERVAL_MILLIS = 1000;

    private final EventLoops loops;
    private final long idleTimeoutNanos;
    private final FastThreadLocal<IdlePool> pools = new FastThreadLocal<>();
    private final Http2Upstreams http2;

    Upstreams(EventLoops loops, long idleTimeoutMillis) {
        this.loops = loops;
        this.idleTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(idleTimeoutMillis);
        this.http2 = new Http2Upstreams(loops, idleTimeoutMillis);
    }

    @Override
    public void adaptRequest(HttpRequest request, String upgrade, BackendRuntime backend) {
        HttpHeaders headers = request.headers();
        if (upgrade != null) {
            // The one hop-by-hop exchange a proxy passes on: the server may switch protocols (WebSocket).
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
            headers.set(HttpHeaderNames.UPGRADE, upgrade);
        }
        if (request.protocolVersion() != HttpVersion.HTTP_1_1) {
            request.setProtocolVersion(HttpVersion.HTTP_1_1);
            if (!headers.contains(HttpHeaderNames.HOST)) {
                headers.set(HttpHeaderNames.HOST, backend.servers().isEmpty() ? "localhost"
                        : backend.servers().get(0).config().address().toString());
            }
        }
    }

    /**
     * Hands out an idle connection from this loop's pool when there is one and {@code mayReuse}; a server with
     * {@code proto: h2} gets a stream of an HTTP/2 connection instead ({@link Http2Upstreams}).
     */
    @Override
    public void acquire(EventLoop loop, Server server, int connectTimeoutMillis, boolean mayReuse,
                        UpstreamListener listener) {
        if (server.config().h2()) {
            http2.acquire(loop, server, connectTimeoutMillis, mayReuse, listener);
            return;
        }
        IdlePool pool = pool(loop);
        UpstreamHandler idle = mayReuse ? pool.poll(server) : null;
        if (idle != null) {
            UpstreamHandler handler = idle;
            handler.attach(listener);
            listener.onUpstreamReady(handler, true);
            return;
        }
        InetSocketAddress address = server.socketAddress();
        if (address.isUnresolved()) {
            listener.onUpstreamConnectFailed(new java.net.UnknownHostException(address.getHostString()));
            return;
        }
        UpstreamHandler handler = new UpstreamHandler(pool, server);
        handler.attach(listener);
        TlsClient tls = server.tls();
        Bootstrap bootstrap = serverBootstrap(loops, loop, tls, connectTimeoutMillis, pipeline -> {
            handler.decoder = UpstreamCodec.addTo(pipeline);
            pipeline.addLast(handler);
        })
                // A failed write (the server reset while the request body was still going out) must not close the
                // connection at once: its early answer (413, 401) may be waiting to be read. Netty shuts the output
                // instead; the read side then delivers the answer, and the reset or end of stream closes it.
                .option(ChannelOption.AUTO_CLOSE, false)
                .option(ChannelOption.AUTO_READ, true);
        ChannelFuture connect = bootstrap.connect(address);
        connect.addListener((ChannelFuture f) -> {
            if (f.isSuccess()) {
                EpollInterestPin.pin(f.channel());
                if (tls == null) {
                    handler.connected(f.channel());
                }
            } else {
                handler.connectFailed(f.cause());
            }
        });
    }

    /**
     * A bootstrap for a new connection to a server, HTTP/1.1 or HTTP/2, on {@code loop}: the connect timeout, no
     * Nagle, and the handler of {@code tls} (the server's {@code ssl}, or null) first, so that the handshake is part
     * of the connect: its time counts in Tc, its failure is a connect failure (retried like one). {@code protocol}
     * adds the protocol's handlers after it.
     */
    static Bootstrap serverBootstrap(EventLoops loops, EventLoop loop, TlsClient tls, int connectTimeoutMillis,
                                     Consumer<ChannelPipeline> protocol) {
        return new Bootstrap()
                .group(loop)
                .channel(loops.socketChannelClass())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (tls != null) {
                            ch.pipeline().addLast(tls.newHandler(ch.alloc(), connectTimeoutMillis));
                        }
                        protocol.accept(ch.pipeline());
                    }
                });
    }

    private IdlePool pool(EventLoop loop) {
        IdlePool pool = pools.get();
        if (pool == null) {
            pool = new IdlePool();
            pools.set(pool);
            loop.scheduleWithFixedDelay(pool::sweep, SWEEP_INTERVAL_MILLIS, SWEEP_INTERVAL_MILLIS,
                    TimeUnit.MILLISECONDS);
        }
        return pool;
    }

    /** One event loop's idle connections per server; touched only from that loop. */
    private final class IdlePool {
        private final Map<Server, ArrayDeque<UpstreamHandler>> idle = new HashMap<>();

        UpstreamHandler poll(Server server) {
            ArrayDeque<UpstreamHandler> queue = idle.get(server);
            if (queue == null) {
                return null;
            }
            UpstreamHandler entry;
            while ((entry = queue.pollLast()) != null) {
                if (entry.channel.isActive()) {
                    return entry;
                }
            }
            return null;
        }

        void offer(UpstreamHandler handler) {
            ArrayDeque<UpstreamHandler> queue = idle.computeIfAbsent(handler.server, s -> new ArrayDeque<>());
            if (queue.size() >= MAX_IDLE_PER_SERVER) {
                handler.channel.close();
                return;
            }
            handler.idleSinceNanos = System.nanoTime();
            queue.addLast(handler);
        }

        void remove(UpstreamHandler handler) {
            ArrayDeque<UpstreamHandler> queue = idle.get(handler.server);
            if (queue != null) {
                queue.remove(handler);
            }
        }

        /** Closes connections idle for longer than the idle timeout; the oldest sit at the head. */
        void sweep() {
            long now = System.nanoTime();
            for (ArrayDeque<UpstreamHandler> queue : idle.values()) {
                Iterator<UpstreamHandler> it = queue.iterator();
                while (it.hasNext()) {
                    UpstreamHandler entry = it.next();
                    if (now - entry.idleSinceNanos < idleTimeoutNanos) {
                        break;
                    }
                    it.remove();
                    entry.channel.close();
                }
            }
        }
    }

    /**
     * One server connection: routes its events to the exchange that holds it, or keeps it quiet while idle, and
     * is what that exchange sends through.
     */
    private static final class UpstreamHandler extends ChannelUpstream {
        private final IdlePool pool;
        private final Server server;
        /** Requests go out without a promise each: a failed write is seen as the output shut (AUTO_CLOSE is off),
         *  and by the read side, as it was when the returned future was ignored; nothing is fired or closed. */
        private ChannelPromise quietWrite;
        private Http1ResponseDecoder decoder;
        /** When it last went back to the idle pool. */
        private long idleSinceNanos;
        /** Whether the server keeps the connection open after its latest final response. */
        private boolean keepAlive;

        UpstreamHandler(IdlePool pool, Server server) {
            this.pool = pool;
            this.server = server;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            super.handlerAdded(ctx);
            quietWrite = new VoidChannelPromise(channel, false);
        }

        void connected(Channel connected) {
            if (owner != null) {
                owner.onUpstreamReady(this, false);
            } else {
                connected.close();
            }
        }

        @Override
        public void send(Object message) {
            channel.write(message, quietWrite);
        }

        @Override
        public void release(boolean requestComplete) {
            owner = null;
            if (!requestComplete || !keepAlive || !channel.isActive()
                    || channel instanceof DuplexChannel duplex && duplex.isOutputShutdown()
                    || decoder.hasUnreadBytes()) {
                // Also when a write failed during the exchange (AUTO_CLOSE is off), or the server sent more than
                // its response: the connection is out of step and carries no further request.
                channel.close();
                return;
            }
            channel.config().setAutoRead(true);
            pool.offer(this);
        }

        @Override
        public void toTunnel(UpstreamListener tunnel) {
            owner = tunnel;
            // Not from inside the codec's own decode loop (the 101 is being delivered from it): on the next turn.
            channel.eventLoop().execute(() -> UpstreamCodec.remove(channel));
        }

        @Override
        public void closeAfterFlush() {
            channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }

        /** Keeps a response's connection-level headers here: only a 101 names the protocol it switches to. */
        private void readHead(HttpResponse response) {
            HttpHeaders headers = response.headers();
            int status = response.status().code();
            if (status >= 200) {
                keepAlive = HttpUtil.isKeepAlive(response);
            }
            String upgrade = status == 101 ? headers.get(HttpHeaderNames.UPGRADE) : null;
            HopByHop.strip(headers);
            if (upgrade != null) {
                headers.set(HttpHeaderNames.UPGRADE, upgrade);
            }
        }

        /** Over TLS the connection is ready once the handshake is done. */
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SslHandshakeCompletionEvent handshake) {
                if (handshake.isSuccess()) {
                    connected(ctx.channel());
                } else {
                    connectFailed(handshake.cause());
                    ctx.close();
                }
            }
            ctx.fireUserEventTriggered(evt);
        }

        void connectFailed(Throwable cause) {
            UpstreamListener listener = owner;
            owner = null;
            if (listener != null) {
                listener.onUpstreamConnectFailed(cause);
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (owner != null) {
                if (msg instanceof HttpResponse response && response.decoderResult().isSuccess()) {
                    readHead(response);
                }
                owner.onUpstreamMessage(msg);
            } else {
                // A server speaking on an idle connection is out of step with us: never reuse it.
                ReferenceCountUtil.release(msg);
                ctx.close();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            UpstreamListener listener = owner;
            owner = null;
            if (listener != null) {
                listener.onUpstreamClosed(null);
            } else {
                pool.remove(this);
            }
        }
    }
}
