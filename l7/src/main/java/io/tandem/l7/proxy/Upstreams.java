package io.tandem.l7.proxy;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.FastThreadLocal;
import io.tandem.core.balance.Server;
import io.tandem.core.net.EpollInterestPin;
import io.tandem.core.net.EventLoops;

import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Connections to servers. A connection is opened on the client's event loop (so both sides of an exchange run
 * on one thread, without locks) and, once its response is complete, parked in that loop's idle pool for the
 * next request to the same server.
 */
final class Upstreams {
    private static final int MAX_IDLE_PER_SERVER = 128;
    private static final long SWEEP_INTERVAL_MILLIS = 1000;

    private final EventLoops loops;
    private final long idleTimeoutNanos;
    private final FastThreadLocal<IdlePool> pools = new FastThreadLocal<>();

    Upstreams(EventLoops loops, long idleTimeoutMillis) {
        this.loops = loops;
        this.idleTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(idleTimeoutMillis);
    }

    /**
     * Hands {@code listener} a connection to {@code server}: an idle one from this loop's pool if there is one
     * and {@code mayReuse}, else a new one. Must be called on {@code loop}.
     */
    void acquire(EventLoop loop, Server server, int connectTimeoutMillis, boolean mayReuse,
                 UpstreamListener listener) {
        IdlePool pool = pool(loop);
        Channel idle = mayReuse ? pool.poll(server) : null;
        if (idle != null) {
            handler(idle).attach(listener);
            listener.onUpstreamReady(idle, true);
            return;
        }
        InetSocketAddress address = server.socketAddress();
        if (address.isUnresolved()) {
            listener.onUpstreamConnectFailed(new java.net.UnknownHostException(address.getHostString()));
            return;
        }
        UpstreamHandler handler = new UpstreamHandler(pool, server);
        handler.attach(listener);
        Bootstrap bootstrap = new Bootstrap()
                .group(loop)
                .channel(loops.socketChannelClass())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
                .option(ChannelOption.TCP_NODELAY, true)
                // A failed write (the server reset while the request body was still going out) must not close the
                // connection at once: its early answer (413, 401) may be waiting to be read. Netty shuts the output
                // instead; the read side then delivers the answer, and the reset or end of stream closes it.
                .option(ChannelOption.AUTO_CLOSE, false)
                .option(ChannelOption.AUTO_READ, true)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        HttpDecoderConfig decoderConfig = new HttpDecoderConfig()
                                .setMaxInitialLineLength(8192)
                                .setMaxHeaderSize(65536)
                                .setMaxChunkSize(65536);
                        UpstreamCodec.addTo(ch.pipeline(), decoderConfig);
                        ch.pipeline().addLast(handler);
                    }
                });
        ChannelFuture connect = bootstrap.connect(address);
        connect.addListener((ChannelFuture f) -> {
            if (f.isSuccess()) {
                EpollInterestPin.pin(f.channel());
                handler.connected(f.channel());
            } else {
                handler.connectFailed(f.cause());
            }
        });
    }

    /** Gives back a connection whose exchange ended cleanly; it waits in the pool for the next request. */
    void release(Channel upstream) {
        UpstreamHandler handler = handler(upstream);
        handler.attach(null);
        if (!upstream.isActive()) {
            return;
        }
        if (upstream instanceof DuplexChannel duplex && duplex.isOutputShutdown()
                || UpstreamCodec.hasUnreadBytes(upstream)) {
            // A write failed during the exchange (AUTO_CLOSE is off), or the server sent more than its response:
            // the connection is out of step and carries no further request.
            upstream.close();
            return;
        }
        upstream.config().setAutoRead(true);
        handler.pool.offer(handler.server, upstream);
    }

    /**
     * Hands a connection whose server switched protocols to {@code tunnel}: the HTTP codec leaves the pipeline
     * and any bytes it had already read past the 101 response reach the tunnel first.
     */
    void convertToTunnel(Channel upstream, UpstreamListener tunnel) {
        handler(upstream).attach(tunnel);
        // Not from inside the codec's own decode loop (the 101 is being delivered from it): on the next turn.
        upstream.eventLoop().execute(() -> {
            UpstreamCodec.remove(upstream);
        });
    }

    /** Closes a connection whose exchange ended badly (or never needed it); it is not reused. */
    void discard(Channel upstream) {
        UpstreamHandler handler = handler(upstream);
        if (handler != null) {
            handler.attach(null);
        }
        upstream.close();
    }

    private static UpstreamHandler handler(Channel upstream) {
        return upstream.pipeline().get(UpstreamHandler.class);
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
        private final Map<Server, ArrayDeque<IdleEntry>> idle = new HashMap<>();

        Channel poll(Server server) {
            ArrayDeque<IdleEntry> queue = idle.get(server);
            if (queue == null) {
                return null;
            }
            IdleEntry entry;
            while ((entry = queue.pollLast()) != null) {
                if (entry.channel.isActive()) {
                    return entry.channel;
                }
            }
            return null;
        }

        void offer(Server server, Channel channel) {
            ArrayDeque<IdleEntry> queue = idle.computeIfAbsent(server, s -> new ArrayDeque<>());
            if (queue.size() >= MAX_IDLE_PER_SERVER) {
                channel.close();
                return;
            }
            queue.addLast(new IdleEntry(channel, System.nanoTime()));
        }

        void remove(Server server, Channel channel) {
            ArrayDeque<IdleEntry> queue = idle.get(server);
            if (queue != null) {
                queue.removeIf(e -> e.channel == channel);
            }
        }

        /** Closes connections idle for longer than the idle timeout; the oldest sit at the head. */
        void sweep() {
            long now = System.nanoTime();
            for (ArrayDeque<IdleEntry> queue : idle.values()) {
                Iterator<IdleEntry> it = queue.iterator();
                while (it.hasNext()) {
                    IdleEntry entry = it.next();
                    if (now - entry.since < idleTimeoutNanos) {
                        break;
                    }
                    it.remove();
                    entry.channel.close();
                }
            }
        }
    }

    private record IdleEntry(Channel channel, long since) {
    }

    /** Routes a server connection's events to the exchange that holds it, or keeps it quiet while idle. */
    private static final class UpstreamHandler extends ChannelInboundHandlerAdapter {
        private final IdlePool pool;
        private final Server server;
        private UpstreamListener owner;

        UpstreamHandler(IdlePool pool, Server server) {
            this.pool = pool;
            this.server = server;
        }

        void attach(UpstreamListener listener) {
            this.owner = listener;
        }

        void connected(Channel channel) {
            if (owner != null) {
                owner.onUpstreamReady(channel, false);
            } else {
                channel.close();
            }
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
                owner.onUpstreamMessage(msg);
            } else {
                // A server speaking on an idle connection is out of step with us: never reuse it.
                ReferenceCountUtil.release(msg);
                ctx.close();
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (owner != null) {
                owner.onUpstreamReadComplete();
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (owner != null) {
                owner.onUpstreamWritabilityChanged(ctx.channel().isWritable());
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            UpstreamListener listener = owner;
            owner = null;
            if (listener != null) {
                listener.onUpstreamClosed(null);
            } else {
                pool.remove(server, ctx.channel());
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            UpstreamListener listener = owner;
            owner = null;
            ctx.close();
            if (listener != null) {
                listener.onUpstreamClosed(cause);
            }
        }
    }
}
