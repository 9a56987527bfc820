package io.tandem.core.health;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.SingleThreadEventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.resolver.NoopAddressResolverGroup;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.tandem.core.balance.Server;
import io.tandem.core.config.CheckConfig;
import io.tandem.core.tls.TlsClient;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The periodic check of one server, pinned to one event loop: one probe at a time, the next one {@code inter}
 * after the previous started (or at once if it ran longer). The name lookup, the connect and the reply after the
 * request is sent each get at most {@code inter} (the connect the smaller of it and {@code timeout.connect}).
 * HAProxy's counters: {@code fall} consecutive failures take an UP server DOWN, {@code rise} consecutive successes
 * bring a DOWN one back.
 */
public final class HealthCheck {
    private static final System.Logger LOG = System.getLogger(HealthCheck.class.getName());

    private final Server server;
    private final CheckConfig config;
    private final Duration connectTimeout;
    private final Probe probe;
    private final long interMillis;
    private final long connectTimeoutMillis;
    private final SingleThreadEventLoop loop;
    private final Class<? extends SocketChannel> channelClass;
    private final Executor resolver;
    private final List<ServerStateListener> listeners;

    // Written on the event loop only; volatile for health(), read by the runtime API.
    private volatile int consecutive;
    // Event-loop confined.
    // Numbers the probes: late verdicts of a finished one (its close, a timer firing) carry an old number.
    private long attempt;
    private boolean inFlight;
    private long startedNanos;
    private Channel channel;
    private ScheduledFuture<?> pending;
    private ScheduledFuture<?> deadline;

    private volatile boolean closed;
    private volatile CheckResult lastResult;

    HealthCheck(CheckTarget target, SingleThreadEventLoop loop, Class<? extends SocketChannel> channelClass,
                Executor resolver, List<ServerStateListener> listeners) {
        this.server = target.server();
        this.config = target.check();
        this.connectTimeout = target.connectTimeout();
        this.probe = Probe.of(config, server.config().address().toString(), server.config().h2());
        this.interMillis = Math.max(1, config.inter().toMillis());
        this.connectTimeoutMillis = Math.min(interMillis, Math.max(1, target.connectTimeout().toMillis()));
        this.loop = loop;
        this.channelClass = channelClass;
        this.resolver = resolver;
        this.listeners = listeners;
    }

    public Server server() {
        return server;
    }

    /** The check's settings (HTTP or TCP, interval, fall, rise). */
    public CheckConfig config() {
        return config;
    }

    /** True when this check does what {@code target} asks: the same server, check settings and connect timeout. */
    boolean checks(CheckTarget target) {
        return target.server() == server && connectTimeout.equals(target.connectTimeout())
                && config.sameSettings(target.check());
    }

    /** The latest probe's outcome, null before the first one finished. */
    public CheckResult lastResult() {
        return lastResult;
    }

    /**
     * HAProxy's {@code check_health}: 0..rise+fall-1, counting up from 0 with each passed probe while the server is
     * DOWN (UP at {@code rise}), and down from rise+fall-1 with each failed one while it is UP (DOWN after
     * {@code fall}).
     */
    public int health() {
        int rise = Math.max(1, config.rise());
        int fall = Math.max(1, config.fall());
        return server.isUp() ? rise + fall - 1 - consecutive : consecutive;
    }

    /** Starts after a random part of one interval, so a pool's checks do not all fire at the same instant. */
    void start() {
        long delay = ThreadLocalRandom.current().nextLong(interMillis);
        loop.execute(() -> schedule(delay));
    }

    /** Stops the timer and drops a probe in flight; no transition is reported afterwards. */
    void close() {
        closed = true;
        loop.execute(() -> {
            cancel(pending);
            cancel(deadline);
            if (channel != null) {
                channel.close();
            }
        });
    }

    private void schedule(long delayMillis) {
        if (!closed) {
            pending = loop.schedule(this::runProbe, delayMillis, TimeUnit.MILLISECONDS);
        }
    }

    private void runProbe() {
        if (closed) {
            return;
        }
        long id = ++attempt;
        inFlight = true;
        startedNanos = System.nanoTime();
        String host = server.config().address().host();
        int port = server.config().address().port();
        if (NetUtil.isValidIpV4Address(host) || NetUtil.isValidIpV6Address(host)) {
            connect(id, new InetSocketAddress(NetUtil.createInetAddressFromIpAddressString(host), port));
            return;
        }
        arm(id, "name lookup timeout after " + interMillis + "ms");
        try {
            // A name lookup may block: it runs off the event loop, the connect comes back to it.
            resolver.execute(() -> {
                try {
                    InetSocketAddress address = new InetSocketAddress(InetAddress.getByName(host), port);
                    loop.execute(() -> connect(id, address));
                } catch (UnknownHostException e) {
                    loop.execute(() -> complete(id, new Probe.Verdict(false, "cannot resolve " + host)));
                }
            });
        } catch (RejectedExecutionException closing) {
            // Only when HealthChecks is closing: nothing more is reported.
            inFlight = false;
        }
    }

    private void connect(long id, InetSocketAddress address) {
        if (closed || id != attempt) {
            return;
        }
        // The connect has a limit of its own (Netty's connect timeout, counted from the connect call).
        cancel(deadline);
        deadline = null;
        ChannelFuture connecting = new Bootstrap()
                .group(loop)
                .channel(channelClass)
                .resolver(NoopAddressResolverGroup.INSTANCE)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, connectTimeoutMillis))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        // A server with 'ssl' is checked over TLS with its settings, as HAProxy's check-ssl;
                        // the handshake gets the same limit as the reply.
                        TlsClient tls = server.tls();
                        if (tls != null) {
                            ch.pipeline().addLast(tls.newHandler(ch.alloc(), interMillis));
                        }
                        if (server.config().h2() && config.kind() == CheckConfig.Kind.HTTP) {
                            Http2ProbeBridge.addTo(ch.pipeline(), config.method(), config.path(),
                                    Probe.host(config, server.config().address().toString()), tls != null);
                        }
                        ch.pipeline().addLast(new ProbeHandler(probe,
                                () -> arm(id, "timeout after " + interMillis + "ms"), verdict -> complete(id, verdict)));
                    }
                })
                .connect(address);
        channel = connecting.channel();
        connecting.addListener(f -> {
            if (!f.isSuccess()) {
                complete(id, new Probe.Verdict(false, Failures.describe(f.cause(), connectTimeoutMillis)));
            }
        });
    }

    /**
     * Gives probe {@code id}'s current step {@code interMillis} from now, failing it with {@code detail} after that.
     * Armed when the step starts, so the process's own work before it (the first check in a process sets up
     * buffers and classes for over 100 ms) is not charged to the server.
     */
    private void arm(long id, String detail) {
        cancel(deadline);
        deadline = loop.schedule(() -> expire(id, new Probe.Verdict(false, detail)), interMillis,
                TimeUnit.MILLISECONDS);
    }

    /**
     * A busy loop can run the timer before reading a reply that reached the socket in time; the verdict waits for
     * the loop's next pass over its sockets (run after this iteration's tasks, then queued behind its I/O), so such a
     * reply still wins.
     */
    private void expire(long id, Probe.Verdict timeout) {
        loop.executeAfterEventLoopIteration(() -> loop.execute(() -> complete(id, timeout)));
    }

    /** Records probe {@code id}'s verdict; the first one wins, later ones (its close after a timeout) are dropped. */
    private void complete(long id, Probe.Verdict verdict) {
        if (closed || id != attempt || !inFlight) {
            return;
        }
        inFlight = false;
        Channel current = channel;
        channel = null;
        cancel(deadline);
        deadline = null;
        if (current != null) {
            current.close();
        }
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
        lastResult = new CheckResult(verdict.passed(), verdict.detail(), tookMillis, Instant.now());
        count(verdict);
        schedule(Math.max(0, interMillis - tookMillis));
    }

    private void count(Probe.Verdict verdict) {
        if (!verdict.passed()) {
            server.checkFailed();
        }
        boolean up = server.isUp();
        if (verdict.passed() == up) {
            // Agrees with the current state: a streak towards the other state is broken.
            consecutive = 0;
            return;
        }
        consecutive++;
        int threshold = up ? config.fall() : config.rise();
        if (consecutive < Math.max(1, threshold)) {
            return;
        }
        consecutive = 0;
        boolean nowUp = !up;
        server.setUp(nowUp);
        String reason = verdict.detail() + ", " + threshold + "/" + threshold + " checks "
                + (nowUp ? "passed" : "failed");
        LOG.log(nowUp ? System.Logger.Level.INFO : System.Logger.Level.WARNING,
                "server " + server.qualifiedName() + (nowUp ? " UP: " : " DOWN: ") + reason);
        for (ServerStateListener listener : listeners) {
            try {
                listener.onStateChange(server, nowUp, reason);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "server state listener failed for " + server.qualifiedName(), e);
            }
        }
    }

    private static void cancel(ScheduledFuture<?> future) {
        if (future != null) {
            future.cancel(false);
        }
    }
}
