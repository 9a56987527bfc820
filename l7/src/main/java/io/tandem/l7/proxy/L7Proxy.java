package io.tandem.l7.proxy;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.ScheduledFuture;
import io.tandem.core.config.BindConfig;
import io.tandem.core.config.HostPort;
import io.tandem.core.log.SocketFailureLog;
import io.tandem.core.net.Deadline;
import io.tandem.core.net.EventLoops;
import io.tandem.core.state.ListenerSwap;
import io.tandem.core.tls.TlsLibrary;
import io.tandem.l7.tls.TicketKeys;
import io.tandem.l7.tls.TlsTerminator;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The HTTP reverse proxy: one listener per frontend bind on the shared event loops, each accepted connection
 * served by a {@link ClientConnection} (HTTP/1) or an {@link Http2Connection} ({@code proto h2}, or ALPN h2), each
 * of its requests by the frontend of the snapshot that was current when the request began (read from the one
 * reference a reload's {@link #prepare swap} replaces). TLS binds first complete their handshake
 * ({@link TlsHandshake}); their session-ticket keys are this proxy's, rotated hourly, or in a cluster the pair's
 * ({@link #shareTicketKeys}).
 */
public final class L7Proxy implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(L7Proxy.class.getName());
    /** Session-ticket keys rotate hourly, as a ticket lives ({@link TlsTerminator#SESSION_TIMEOUT_SECONDS}). */
    private static final long TICKET_KEY_ROTATION_MINUTES = 60;
    private static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(32 * 1024, 64 * 1024);
    /**
     * One read-size policy for every client channel: it is immutable (each channel's handle keeps its own
     * guess), and Netty's default is a new instance per channel, 32 B of each idle connection's heap.
     */
    private static final AdaptiveRecvByteBufAllocator READ_SIZES = new AdaptiveRecvByteBufAllocator();

    private final EventLoops loops;
    private final ProxyContext context;
    /** Open listeners by bind address. Guarded by this. */
    private final Map<InetSocketAddress, Channel> listeners = new LinkedHashMap<>();
    private final TicketKeys ticketKeys = new TicketKeys();
    /** The hourly ticket-key rotation, from the first snapshot with a TLS bind on. Guarded by this. */
    private ScheduledFuture<?> rotation;
    /** Whether this node rotates the ticket keys (in a cluster, only the coordinator does). */
    private volatile BooleanSupplier ownsTicketKeys = () -> true;
    /** Hears of each rotation's keys, exported; it must not block (it runs on an event loop). */
    private volatile Consumer<byte[]> ticketKeysRotated = keys -> { };

    public L7Proxy(EventLoops loops, AccessLog accessLog, int maxConnections, Duration upstreamIdleTimeout) {
        this.loops = loops;
        this.context = new ProxyContext(new Upstreams(loops, upstreamIdleTimeout.toMillis()), accessLog,
                maxConnections);
    }

    /** Opens every bind of every frontend; on a bind failure the ones already open are closed again. */
    public void start(L7Snapshot snapshot) throws java.io.IOException {
        prepare(snapshot).apply();
    }

    /**
     * Readies the listeners for {@code next} (a reload): binds whose address the running snapshot does not have are
     * opened now, paused; on a failure the ones opened are closed again and it is thrown, nothing changed. The swap's
     * {@link ListenerSwap#apply} makes {@code next} the snapshot of new connections and of the next request of open
     * ones (a request in flight finishes on the snapshot it started on), starts the new listeners, keeps those whose
     * address stays (the same socket: no connection is refused), and closes the others, whose connections close
     * once idle. Reloads are serial: one swap is applied or abandoned before the next is prepared.
     */
    public synchronized ListenerSwap prepare(L7Snapshot next) throws java.io.IOException {
        Map<InetSocketAddress, ProxyContext.Bound> wanted = ProxyContext.binds(next);
        Map<InetSocketAddress, Channel> opened = new LinkedHashMap<>();
        try {
            for (FrontendRuntime frontend : next.frontends().values()) {
                for (BindConfig bind : frontend.config().binds()) {
                    InetSocketAddress address = bind.address().bindAddress();
                    if (!listeners.containsKey(address) && !opened.containsKey(address)) {
                        opened.put(address, bind(frontend.name(), bind));
                    }
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            closeAll(opened.values());
            throw e;
        }
        return new ListenerSwap() {
            @Override
            public List<String> apply() {
                return swap(next, wanted, opened);
            }

            @Override
            public void abandon() {
                closeAll(opened.values());
            }
        };
    }

    private synchronized List<String> swap(L7Snapshot next, Map<InetSocketAddress, ProxyContext.Bound> wanted,
                                           Map<InetSocketAddress, Channel> opened) {
        Map<InetSocketAddress, ProxyContext.Bound> before = context.routing().binds();
        startTls(next);
        context.snapshot(next);
        List<String> changes = new ArrayList<>();
        for (Map.Entry<InetSocketAddress, Channel> entry : opened.entrySet()) {
            listeners.put(entry.getKey(), entry.getValue());
            context.addListener(entry.getValue());
            changes.add("frontend " + describe(wanted.get(entry.getKey())) + ": listening");
        }
        for (Map.Entry<InetSocketAddress, ProxyContext.Bound> entry : wanted.entrySet()) {
            ProxyContext.Bound was = before.get(entry.getKey());
            if (was != null && !opened.containsKey(entry.getKey()) && (!was.frontend().equals(entry.getValue().frontend())
                    || was.bind().acceptProxy() != entry.getValue().bind().acceptProxy()
                    || (was.bind().tls() == null) != (entry.getValue().bind().tls() == null)
                    || was.bind().h2() != entry.getValue().bind().h2())) {
                changes.add("bind " + entry.getValue().bind().address() + " kept open, now frontend "
                        + describe(entry.getValue()) + " (was " + describe(was) + ")");
            }
        }
        for (Iterator<Map.Entry<InetSocketAddress, Channel>> it = listeners.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<InetSocketAddress, Channel> entry = it.next();
            if (!wanted.containsKey(entry.getKey())) {
                it.remove();
                Channel listener = entry.getValue();
                context.removeListener(listener);
                listener.close().syncUninterruptibly();
                int open = context.closeWhenIdle(listener);
                String line = "frontend " + describe(before.get(entry.getKey())) + ": stopped listening, "
                        + open + " connection(s) close after their current request";
                LOG.log(System.Logger.Level.INFO, line);
                changes.add(line);
            }
        }
        return changes;
    }

    /**
     * Gives {@code next}'s TLS contexts the current ticket keys before any connection uses them, and on the first
     * snapshot with TLS says which library runs it and starts the key rotation. Certificate warnings are logged.
     */
    private void startTls(L7Snapshot next) {
        List<SslContext> tls = next.tlsContexts();
        ticketKeys.applyTo(tls);
        next.warnings().forEach(w -> LOG.log(System.Logger.Level.WARNING, w.toString()));
        if (!tls.isEmpty() && rotation == null) {
            LOG.log(System.Logger.Level.INFO, "tls: using " + TlsLibrary.describe());
            rotation = loops.group().next().scheduleAtFixedRate(this::rotateTicketKeys, TICKET_KEY_ROTATION_MINUTES,
                    TICKET_KEY_ROTATION_MINUTES, TimeUnit.MINUTES);
        }
    }

    /**
     * A new ticket key for new sessions; tickets issued under the previous key still resume, older ones do not. Run
     * hourly; package-private so that a test need not wait two hours.
     */
    void rotateTicketKeys() {
        if (ownsTicketKeys.getAsBoolean()) {
            ticketKeysRotated.accept(ticketKeys.rotate(context.snapshot().tlsContexts()));
        }
    }

    /**
     * Shares the session-ticket keys with a cluster: the hourly rotation happens only while {@code owns} says so
     * (the coordinator), and hands its new keys to {@code rotated}, which must not block; the others take them
     * through {@link #useTicketKeys}.
     */
    public void shareTicketKeys(BooleanSupplier owns, Consumer<byte[]> rotated) {
        this.ownsTicketKeys = owns;
        this.ticketKeysRotated = rotated;
    }

    /** The session-ticket keys in use, exported for a peer (see {@link TicketKeys#export}). */
    public byte[] ticketKeys() {
        return ticketKeys.export();
    }

    /** Makes the pair's session-ticket keys (exported by a peer) this proxy's, for its running TLS contexts. */
    public void useTicketKeys(byte[] keys) {
        ticketKeys.use(keys, context.snapshot().tlsContexts());
    }

    private static String describe(ProxyContext.Bound bound) {
        return bound == null ? "?" : bound.frontend() + " on " + bound.bind().address()
                + (bound.bind().acceptProxy() ? " (accept-proxy)" : "") + (bound.bind().tls() != null ? " (tls)" : "")
                + (bound.bind().h2() ? " (proto h2)" : "");
    }

    /** Opens a listener for {@code bind}, paused until the swap that needs it is applied. */
    private Channel bind(String frontend, BindConfig bind) throws java.io.IOException {
        HostPort address = bind.address();
        InetSocketAddress socketAddress = address.bindAddress();
        ServerBootstrap bootstrap = loops.allowNonLocalBind(new ServerBootstrap())
                .group(loops.group())
                .channel(loops.serverChannelClass())
                .option(ChannelOption.SO_BACKLOG, 4096)
                .option(ChannelOption.SO_REUSEADDR, true)
                // Accepting starts when the snapshot that has this bind is current (ProxyContext.addListener).
                .option(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.TCP_NODELAY, true)
                // A client that shuts down its sending side after the request still gets its response.
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                .childOption(ChannelOption.RCVBUF_ALLOCATOR, READ_SIZES)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        // The routing current now serves the connection; a reload may move the bind to another
                        // frontend or drop it, so it is looked up here rather than fixed when the socket opened.
                        ProxyContext.Routing routing = context.routing();
                        ProxyContext.Bound bound = routing.binds().get(socketAddress);
                        FrontendRuntime current = bound == null ? null
                                : routing.snapshot().frontends().get(bound.frontend());
                        if (current == null) {
                            // Accepted in the instant between a reload dropping this bind and its socket closing.
                            ch.close();
                            return;
                        }
                        ChannelPipeline pipeline = ch.pipeline();
                        if (bound.bind().acceptProxy()) {
                            pipeline.addLast(new HAProxyMessageDecoder());
                        }
                        TlsTerminator tls = current.tls(address);
                        if (tls == null) {
                            ProtocolPipelines.plain(context, current, ch, bound.bind().h2());
                            return;
                        }
                        long timeout = current.config().timeout().httpRequest().toMillis();
                        pipeline.addLast(tls.newHandler(timeout), new TlsHandshake(context, current, timeout,
                                bound.bind().h2()));
                    }
                });
        try {
            Channel listener = bootstrap.bind(socketAddress).syncUninterruptibly().channel();
            // Last in the listener's pipeline, behind Netty's acceptor (which pauses accepting for a second).
            listener.pipeline().addLast(new AcceptFailureHandler(new SocketFailureLog("frontend " + frontend)));
            LOG.log(System.Logger.Level.INFO, "frontend " + frontend + " listening on " + address
                    + (bind.acceptProxy() ? " (accept-proxy)" : "") + (bind.tls() != null ? " (tls)" : "")
                    + (bind.h2() ? " (proto h2)" : ""));
            return listener;
        } catch (Exception e) {
            throw new java.io.IOException("frontend " + frontend + ": cannot listen on " + address + ": "
                    + e.getMessage() + " (is another process using the port, or is the address not local?)", e);
        }
    }

    private static void closeAll(java.util.Collection<Channel> channels) {
        for (Channel channel : channels) {
            channel.close().syncUninterruptibly();
        }
    }

    /** The snapshot new connections and requests run on. */
    public L7Snapshot snapshot() {
        return context.snapshot();
    }

    /**
     * Every open client connection, each described on its own event loop (so nothing is read while the loop writes
     * it); a loop that does not answer within {@code timeout} leaves its connections out. Control path only: it
     * waits.
     */
    public List<ClientSession> sessions(Duration timeout) {
        List<java.util.concurrent.Future<ClientSession>> pending = new ArrayList<>();
        for (FrontendConnection connection : context.connections()) {
            try {
                pending.add(connection.channel().eventLoop().submit(connection::describe));
            } catch (java.util.concurrent.RejectedExecutionException shutDown) {
                // Its loop is gone with the connection.
            }
        }
        Deadline deadline = Deadline.after(timeout);
        List<ClientSession> sessions = new ArrayList<>();
        for (java.util.concurrent.Future<ClientSession> future : pending) {
            try {
                sessions.add(future.get(Math.max(1, deadline.remaining().toMillis()),
                        java.util.concurrent.TimeUnit.MILLISECONDS));
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                // Closed meanwhile, or its loop is busy: the list is a moment's view either way.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return sessions;
    }

    /** Number of client connections open now. */
    public int activeConnections() {
        return context.activeConnections();
    }

    /**
     * Graceful stop: listeners close, idle keep-alive connections close, busy ones finish their current
     * response (with {@code Connection: close}); returns when all are gone or {@code grace} has passed.
     * Returns the number of connections still open.
     */
    public int drain(Duration grace) {
        closeListeners();
        context.startDrain();
        Deadline deadline = Deadline.after(grace);
        while (context.activeConnections() > 0 && !deadline.passed()) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return context.activeConnections();
    }

    private synchronized void closeListeners() {
        for (Channel listener : listeners.values()) {
            context.removeListener(listener);
        }
        closeAll(listeners.values());
        listeners.clear();
    }

    @Override
    public void close() {
        closeListeners();
        synchronized (this) {
            if (rotation != null) {
                rotation.cancel(false);
            }
        }
    }

    /**
     * Takes the listener's accept failures (out of descriptors, most often), which Netty would otherwise log as an
     * exception that "reached the tail of the pipeline", and says what they mean.
     */
    private final class AcceptFailureHandler extends ChannelInboundHandlerAdapter {
        private final SocketFailureLog log;

        AcceptFailureHandler(SocketFailureLog log) {
            this.log = log;
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.failed(cause, context.activeConnections());
        }
    }
}
