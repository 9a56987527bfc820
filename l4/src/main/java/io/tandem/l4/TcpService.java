package io.tandem.l4;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ReflectiveChannelFactory;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.tandem.core.net.EpollInterestPin;
import io.tandem.core.net.EventLoops;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP service's listener on the shared event loops, its sessions, and its {@code maxconn}: at the limit the
 * listener stops accepting (new clients wait in the kernel's backlog, as in HAProxy) and resumes below it.
 */
final class TcpService implements RunningService {
    private static final System.Logger LOG = System.getLogger(TcpService.class.getName());
    /** Large enough to keep a fast stream moving between two wake-ups, small enough to bound memory per session. */
    static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(128 * 1024, 512 * 1024);

    /** Pins every accepted channel's epoll interest (see {@link EpollInterestPin}) before it is registered. */
    private static final ChannelHandler PIN_ACCEPTED = new PinAccepted();

    private final ServiceRuntime service;
    private final EventLoops loops;
    private final int maxConnections;
    private final ChannelFactory<? extends Channel> upstreamChannels;
    private final Set<TcpSession> sessions = ConcurrentHashMap.newKeySet();
    private final AtomicInteger active = new AtomicInteger();
    private volatile Channel listener;
    private volatile boolean acceptPaused;

    TcpService(ServiceRuntime service, EventLoops loops, int maxConnections) {
        this.service = service;
        this.loops = loops;
        this.maxConnections = maxConnections;
        this.upstreamChannels = new ReflectiveChannelFactory<>(loops.socketChannelClass());
    }

    /**
     * A new, unregistered channel to a server, configured as the relay needs it: nothing read until the session
     * asks, half-close allowed, the session's write-buffer water marks, {@code connectTimeoutMillis}. TCP_NODELAY
     * is on by Netty's default.
     */
    Channel newUpstreamChannel(InetSocketAddress target, int connectTimeoutMillis) {
        // An IPv4 server gets an IPv4 socket on epoll: Netty's default is a dual-stack IPv6 socket (one more
        // setsockopt, v4-mapped addresses).
        Channel channel = loops.isEpoll() && target.getAddress() instanceof Inet4Address
                ? new EpollSocketChannel(SocketProtocolFamily.INET) : upstreamChannels.newChannel();
        ChannelConfig config = channel.config();
        config.setConnectTimeoutMillis(connectTimeoutMillis);
        config.setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        config.setAutoRead(false);
        config.setWriteBufferWaterMark(WATER_MARK);
        return channel;
    }

    ServiceRuntime service() {
        return service;
    }

    EventLoops loops() {
        return loops;
    }

    boolean acceptProxy() {
        return service.config().listen().acceptProxy();
    }

    @Override
    public void start() throws IOException {
        InetSocketAddress bindAddress = RunningService.socketAddress(service);
        ServerBootstrap bootstrap = loops.allowNonLocalBind(new ServerBootstrap()).group(loops.group());
        if (loops.isEpoll() && bindAddress.getAddress() instanceof Inet4Address) {
            // An IPv4 listen gets an IPv4 socket, and so do the connections it accepts (no dual-stack IPv6 socket).
            bootstrap.channelFactory(() -> new EpollServerSocketChannel(SocketProtocolFamily.INET));
        } else {
            bootstrap.channel(loops.serverChannelClass());
        }
        bootstrap
                .option(ChannelOption.SO_BACKLOG, 4096)
                .option(ChannelOption.SO_REUSEADDR, true)
                // Ahead of ServerBootstrap's acceptor: pins each accepted channel before its registration, so the fd
                // is added to epoll with the pin bit instead of being modified once more when the session connects.
                .handler(PIN_ACCEPTED)
                // No TCP_NODELAY option: Netty's socket configs (epoll and NIO) enable it by default on Linux, and
                // setting it again is one more setsockopt per connection.
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                // A client is read from the start (early bytes wait in the session, bounded, until its server is
                // connected); on accept-proxy the decoder asks for the header itself, and reads stop after it until
                // the server is connected.
                .childOption(ChannelOption.AUTO_READ, !acceptProxy())
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ChannelPipeline pipeline = ch.pipeline();
                        if (acceptProxy()) {
                            pipeline.addLast("proxy-decoder", new HAProxyMessageDecoder());
                        }
                        // Named: no generated name (a per-thread cache lookup and a duplicate scan) per connection.
                        pipeline.addLast("tcp-client", new TcpSession(TcpService.this, ch).clientHandler());
                    }
                });
        listener = RunningService.bind(service, () -> bootstrap.bind(bindAddress));
        LOG.log(System.Logger.Level.INFO, "service " + service.name() + " listening on tcp "
                + service.config().listen().address() + (acceptProxy() ? " (accept-proxy)" : ""));
    }

    void sessionStarted(TcpSession session) {
        sessions.add(session);
        service.counters().opened();
        if (active.incrementAndGet() >= maxConnections) {
            pauseAccepting(true);
        }
    }

    void sessionEnded(TcpSession session) {
        if (sessions.remove(session)) {
            service.counters().closed();
            if (active.decrementAndGet() < maxConnections && acceptPaused) {
                pauseAccepting(false);
            }
        }
    }

    private synchronized void pauseAccepting(boolean pause) {
        boolean shouldPause = active.get() >= maxConnections;
        Channel current = listener;
        if (pause != shouldPause || acceptPaused == pause || current == null) {
            return;
        }
        acceptPaused = pause;
        current.config().setAutoRead(!pause);
    }

    void warnBadProxyHeader(SocketAddress peer) {
        LOG.log(System.Logger.Level.WARNING, "service " + service.name() + ": closed connection from " + peer
                + ": missing or malformed PROXY header on an accept-proxy listen");
    }

    @Override
    public void stopAccepting() {
        Channel current = listener;
        listener = null;
        if (current != null) {
            current.close().syncUninterruptibly();
        }
    }

    @Override
    public InetSocketAddress localAddress() {
        Channel current = listener;
        return current == null ? null : (InetSocketAddress) current.localAddress();
    }

    @Override
    public int activeConnections() {
        return active.get();
    }

    @Override
    public void closeAll() {
        stopAccepting();
        for (TcpSession session : sessions) {
            session.client().eventLoop().execute(session::abort);
        }
    }

    @ChannelHandler.Sharable
    private static final class PinAccepted extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Channel child) {
                // With EPOLLIN as well: the client is read at once (auto-read, or the PROXY decoder's first read),
                // so the fd is added to epoll with it instead of being modified right after.
                EpollInterestPin.pinReading(child);
            }
            ctx.fireChannelRead(msg);
        }
    }
}
