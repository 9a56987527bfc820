package io.tandem.l7.proxy;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.tandem.core.config.BindConfig;
import io.tandem.core.config.HostPort;
import io.tandem.core.log.AcceptFailureLog;
import io.tandem.core.net.Deadline;
import io.tandem.core.net.EventLoops;
import io.tandem.l7.http.Http1RequestDecoder;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The HTTP/1.1 reverse proxy: one listener per frontend bind on the shared event loops, each accepted
 * connection served by a {@link ClientConnection} bound to the snapshot that was current when it arrived (read
 * once, from the one reference {@link #update} replaces).
 */
public final class L7Proxy implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(L7Proxy.class.getName());
    private static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(32 * 1024, 64 * 1024);

    private final EventLoops loops;
    private final ProxyContext context;
    private final List<Channel> listeners = new ArrayList<>();

    public L7Proxy(EventLoops loops, AccessLog accessLog, int maxConnections, Duration upstreamIdleTimeout) {
        this.loops = loops;
        this.context = new ProxyContext(new Upstreams(loops, upstreamIdleTimeout.toMillis()), accessLog,
                maxConnections);
    }

    /** Opens every bind of every frontend; on a bind failure the ones already open are closed again. */
    public void start(L7Snapshot snapshot) throws java.io.IOException {
        context.snapshot(snapshot);
        try {
            for (FrontendRuntime frontend : snapshot.frontends().values()) {
                AcceptFailureLog acceptFailures = new AcceptFailureLog("frontend " + frontend.name());
                for (BindConfig bind : frontend.config().binds()) {
                    listeners.add(bind(frontend, bind, acceptFailures));
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    private Channel bind(FrontendRuntime frontend, BindConfig bind, AcceptFailureLog acceptFailures)
            throws java.io.IOException {
        HostPort address = bind.address();
        InetSocketAddress socketAddress = address.bindAddress();
        ServerBootstrap bootstrap = loops.allowNonLocalBind(new ServerBootstrap())
                .group(loops.group())
                .channel(loops.serverChannelClass())
                .option(ChannelOption.SO_BACKLOG, 4096)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                // A client that shuts down its sending side after the request still gets its response.
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ChannelPipeline pipeline = ch.pipeline();
                        if (bind.acceptProxy()) {
                            pipeline.addLast(new HAProxyMessageDecoder());
                        }
                        ProxyResponseEncoder encoder = new ProxyResponseEncoder();
                        // The snapshot current now serves the whole connection; update() keeps every frontend.
                        FrontendRuntime current = context.snapshot().frontends().get(frontend.name());
                        ClientConnection connection = new ClientConnection(context, current, encoder);
                        pipeline.addLast(new RawReadObserver(connection), new Http1RequestDecoder(), encoder,
                                connection);
                    }
                });
        try {
            Channel listener = bootstrap.bind(socketAddress).syncUninterruptibly().channel();
            // Last in the listener's pipeline, behind Netty's acceptor (which pauses accepting for a second).
            listener.pipeline().addLast(new AcceptFailureHandler(acceptFailures));
            context.addListener(listener);
            LOG.log(System.Logger.Level.INFO, "frontend " + frontend.name() + " listening on " + address
                    + (bind.acceptProxy() ? " (accept-proxy)" : ""));
            return listener;
        } catch (Exception e) {
            throw new java.io.IOException("frontend " + frontend.name() + ": cannot listen on " + address + ": "
                    + e.getMessage() + " (is another process using the port, or is the address not local?)", e);
        }
    }

    /**
     * Makes {@code next} the snapshot that connections accepted from now on run on; open connections finish on
     * theirs. {@code next} must have the same frontends with the same binds, since the listeners stay as they
     * are (changing them is for a reload, which is not supported yet).
     */
    public void update(L7Snapshot next) {
        L7Snapshot current = context.snapshot();
        if (!next.frontends().keySet().equals(current.frontends().keySet())) {
            throw new IllegalArgumentException("the new config has other frontends than the running one");
        }
        for (FrontendRuntime frontend : current.frontends().values()) {
            if (!binds(frontend).equals(binds(next.frontends().get(frontend.name())))) {
                throw new IllegalArgumentException("frontend " + frontend.name() + " binds other addresses now");
            }
        }
        context.snapshot(next);
    }

    private static List<String> binds(FrontendRuntime frontend) {
        return frontend.config().binds().stream().map(b -> b.address() + (b.acceptProxy() ? " accept-proxy" : ""))
                .toList();
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

    private void closeListeners() {
        for (Channel listener : listeners) {
            listener.close().syncUninterruptibly();
        }
        listeners.clear();
    }

    @Override
    public void close() {
        closeListeners();
    }

    /**
     * Takes the listener's accept failures (out of descriptors, most often), which Netty would otherwise log as an
     * exception that "reached the tail of the pipeline", and says what they mean.
     */
    private final class AcceptFailureHandler extends ChannelInboundHandlerAdapter {
        private final AcceptFailureLog log;

        AcceptFailureHandler(AcceptFailureLog log) {
            this.log = log;
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.failed(cause, context.activeConnections());
        }
    }

    /** Tells the connection about raw bytes before the decoder sees them (starts the request-head clock). */
    private static final class RawReadObserver extends ChannelInboundHandlerAdapter {
        private final ClientConnection connection;

        RawReadObserver(ClientConnection connection) {
            this.connection = connection;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            connection.onBytesReceived();
            ctx.fireChannelRead(msg);
        }
    }
}
