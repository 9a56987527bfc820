package io.tandem.appliance;

import io.tandem.appliance.admin.AdminSocket;
import io.tandem.appliance.admin.PeerChanges;
import io.tandem.appliance.admin.RuntimeView;
import io.tandem.appliance.stats.LiveView;
import io.tandem.appliance.stats.StatsServer;
import io.tandem.core.config.AdminConfig;
import io.tandem.cluster.ClusterNode;
import io.tandem.cluster.ClusterStatus;
import io.tandem.cluster.ConfigOffer;
import io.tandem.cluster.Outcome;
import io.tandem.cluster.PeerReply;
import io.tandem.cluster.ServerChange;
import io.tandem.cluster.SharedState;
import io.tandem.core.config.ClusterConfig;
import io.tandem.core.config.ConfigVersion;
import io.tandem.core.config.TandemConfig;
import io.tandem.core.health.HealthChecks;
import io.tandem.core.net.Deadline;
import io.tandem.core.net.Descriptors;
import io.tandem.core.net.EventLoops;
import io.tandem.core.state.Recompile;
import io.tandem.core.state.RuntimeState;
import io.tandem.l4.L4Services;
import io.tandem.l4.L4Snapshot;
import io.tandem.l7.proxy.AccessLog;
import io.tandem.l7.proxy.ClientSession;
import io.tandem.l7.proxy.L7Proxy;
import io.tandem.l7.proxy.L7Snapshot;
import io.tandem.vrrp.runtime.TrackedService;
import io.tandem.vrrp.runtime.VrrpInstance;
import io.tandem.vrrp.runtime.VrrpHold;
import io.tandem.vrrp.runtime.VrrpService;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * The running daemon: event loops, health checks, the L7 proxy, the L4 services, the access log, VRRP, the stats
 * endpoint and the runtime API, started from a checked config and stopped gracefully: VRRP first (masters send
 * priority 0 and drop their addresses, so the peer takes over at once), then listeners close and in-flight requests
 * finish up to {@code hard-stop-after}; the stats endpoint and the runtime API close last. It is what the runtime
 * API sees ({@link RuntimeView}).
 */
final class TandemDaemon implements AutoCloseable, RuntimeView {
    private static final System.Logger LOG = System.getLogger(TandemDaemon.class.getName());

    private final EventLoops loops;
    private final AsyncAccessLog accessLog;
    private final RuntimeState state;
    private final L7Proxy proxy;
    private final L4Services l4;
    private final VrrpService vrrp;
    private final StatsServer stats; // not listening without admin.stats
    private final Reloader reloader;
    private final long startedAtMillis = System.currentTimeMillis();
    private AdminSocket admin; // null when the default socket could not open
    private final ClusterNode cluster; // null without a cluster section
    private final SystemdNotify systemd = SystemdNotify.fromEnvironment();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Object drainWait = new Object();
    private volatile boolean stopNow;
    private volatile boolean stopping;

    /** The shared config version without a cluster (with one, the cluster keeps it, serial and all). */
    private volatile ConfigVersion aloneVersion;

    private TandemDaemon(TandemConfig config, EventLoops loops, AsyncAccessLog accessLog, RuntimeState state,
                         L7Proxy proxy, L4Services l4, VrrpService vrrp, StatsServer stats, ClusterNode cluster,
                         Path file, SharedSections shared) {
        this.cluster = cluster;
        this.stats = stats;
        this.l4 = l4;
        this.vrrp = vrrp;
        this.loops = loops;
        this.accessLog = accessLog;
        this.state = state;
        this.proxy = proxy;
        this.reloader = new Reloader(file, config, shared, state, proxy, l4, vrrp, stats, tracking(proxy, l4));
        this.aloneVersion = new ConfigVersion(shared.hash(), 0);
    }

    /**
     * Starts everything, or stops what was started and throws when a listener cannot open or a VRRP instance
     * cannot start (its interface missing, no CAP_NET_RAW/CAP_NET_ADMIN). {@code file} is what {@link #reload}
     * reads again, null when there is none.
     */
    static TandemDaemon start(CheckedConfig checked, EventLoops loops, Path file) throws IOException {
        TandemConfig config = checked.config();
        RuntimeState state = new RuntimeState(loops);
        Recompile compile = state.recompile();
        CheckedConfig running = checked.against(compile);
        if (!running.ok()) {
            // The same compile as the check that passed: only a bug gets here.
            throw new IllegalStateException("the checked config does not compile again: " + running.errors());
        }
        L7Snapshot snapshot = running.snapshot();
        L4Snapshot l4Snapshot = running.l4();
        warnWhenDescriptorsAreShort(config.global().maxconn());
        AsyncAccessLog accessLog = AsyncAccessLog.open(config.global());
        // Health checks start with the commit.
        compile.commit();
        L7Proxy proxy = new L7Proxy(loops, accessLog != null ? accessLog : AccessLog.NONE, config.global().maxconn(),
                Duration.ofSeconds(30));
        // The L7 tier first: L4 services may send their connections to its binds.
        L4Services l4 = new L4Services(l4Snapshot, config.global().maxconn(), loops);
        VrrpService vrrp = null;
        StatsServer stats;
        ClusterNode cluster = null;
        SharedSections shared = SharedSections.read(file);
        try {
            proxy.start(snapshot);
            l4.start();
            cluster = startCluster(config, state, new ConfigVersion(shared.hash(), 0));
            if (cluster != null) {
                // The pair's ticket keys: the coordinator rotates them and sends them on; the others use its.
                proxy.shareTicketKeys(cluster::ownsTicketKeys, cluster::shareTicketKeys);
            }
            // VRRP holds every instance in FAULT until the cluster has handed this node the tables.
            vrrp = VrrpService.start(config.vrrp(), tracking(proxy, l4),
                    cluster == null ? null : new VrrpHold("cluster sync", cluster::ready));
            stats = StatsServer.start(loops, config.admin().stats(),
                    liveView(config.global().name(), proxy, l4, vrrp, state, cluster));
        } catch (IOException e) {
            if (vrrp != null) {
                vrrp.stop();
            }
            if (cluster != null) {
                cluster.close();
            }
            l4.close();
            proxy.drain(Duration.ZERO);
            state.close();
            closeQuietly(accessLog);
            throw e;
        }
        LOG.log(System.Logger.Level.INFO, "tandem " + Version.text() + " started as node " + config.global().name()
                + " from " + config.source() + ": " + snapshot.frontends().size() + " frontend(s), "
                + snapshot.backends().size() + " backend(s), " + l4Snapshot.services().size() + " L4 service(s), "
                + vrrp.instances().size() + " VRRP instance(s), transport " + loops.transportName());
        TandemDaemon daemon = new TandemDaemon(config, loops, accessLog, state, proxy, l4, vrrp, stats, cluster, file,
                shared);
        if (cluster != null) {
            cluster.serve(daemon.new Peers());
        }
        try {
            daemon.admin = openRuntimeApi(config.admin(), daemon);
        } catch (IOException e) {
            daemon.stop();
            throw e;
        }
        return daemon;
    }

    /**
     * The runtime API on {@code admin.socket}. A socket the config names must open (else the daemon does not
     * start, as HAProxy with its stats socket); the default one is best effort: where it cannot open (no
     * /run/tandem, another daemon on it) the daemon runs without it and says so.
     */
    private static AdminSocket openRuntimeApi(AdminConfig admin, RuntimeView view) throws IOException {
        try {
            return AdminSocket.start(admin.socket(), view);
        } catch (IOException e) {
            if (!admin.socket().equals(AdminConfig.DEFAULT_SOCKET)) {
                throw e;
            }
            LOG.log(System.Logger.Level.WARNING, e.getMessage() + "; running without the runtime API (set "
                    + "admin.socket to a writable path, or create /run/tandem for this user)");
            return null;
        }
    }

    /** Joins the pair's cluster in the background (null without a cluster section); it follows each commit's tables. */
    private static ClusterNode startCluster(TandemConfig config, RuntimeState state, ConfigVersion version)
            throws IOException {
        if (!config.cluster().enabled()) {
            return null;
        }
        try {
            ClusterNode cluster = ClusterNode.start(config.cluster(), config.global().name(), state::tables, version);
            state.onCommit(cluster::tablesChanged);
            return cluster;
        } catch (Exception e) {
            throw new IOException("cluster " + config.cluster().name() + " on " + config.cluster().bind() + ": " + e, e);
        }
    }

    /** The cluster, or null when the config has none. */
    ClusterNode cluster() {
        return cluster;
    }

    @Override
    public ClusterStatus clusterStatus() {
        return cluster == null ? null : cluster.status();
    }

    /** What the stats endpoint shows, read at each request: the snapshots and VRRP instances running then. */
    private static Supplier<LiveView> liveView(String node, L7Proxy proxy, L4Services l4, VrrpService vrrp,
                                               RuntimeState state, ClusterNode cluster) {
        return () -> new LiveView(node, proxy.snapshot(), l4.snapshot(), vrrp.instances(), state,
                cluster == null ? null : cluster.status());
    }

    /**
     * What VRRP's {@code track.services} follow: the frontend or L4 service of the snapshots current at each poll,
     * so that a reload's servers count; null when the running config has no such service.
     */
    private static Function<String, TrackedService> tracking(L7Proxy proxy, L4Services l4) {
        return name -> {
            if (ServiceTracking.of(proxy.snapshot(), l4.snapshot(), name) == null) {
                return null;
            }
            return () -> {
                TrackedService now = ServiceTracking.of(proxy.snapshot(), l4.snapshot(), name);
                return now != null && now.healthy();
            };
        };
    }

    /**
     * Re-reads the config file and applies it without dropping a connection (see {@link Reloader}); refused while
     * the daemon stops, or when it has no file (the demo). Safe to call from any thread; reloads run one at a time.
     */
    @Override
    public ReloadResult reload() {
        if (reloader.file() == null) {
            return ReloadResult.refused(List.of("this daemon has no config file to reload"));
        }
        ReloadResult result;
        SharedSections shared;
        synchronized (reloader) {
            if (stopping) {
                return ReloadResult.refused(List.of("the daemon is stopping"));
            }
            systemd.reloading("reloading " + reloader.file());
            result = reloader.reload();
            systemd.ready("reload " + result.summary() + "; " + serving());
            shared = reloader.shared();
        }
        if (!result.applied()) {
            return result;
        }
        if (cluster == null) {
            aloneVersion = new ConfigVersion(shared.hash(), aloneVersion.serial() + 1);
            return result;
        }
        // Sent outside the reload lock: a peer that sends its own at the same moment waits for no one.
        ConfigVersion version = cluster.nextConfigVersion(shared.hash());
        cluster.configRunning(version);
        // Before the config: a peer that applies it makes the pair's runtime servers again, as reset here.
        resetRuntimeServers();
        if (!cluster.shares(ClusterConfig.Share.CONFIG) || shared.config() == null) {
            return result;
        }
        List<PeerReply> replies = cluster.shareConfig(new ConfigOffer(version, reloader.file().toString(),
                shared.config().sentText()));
        ReloadResult shown = result.withPeers(replies);
        if (replies.isEmpty()) {
            LOG.log(System.Logger.Level.INFO, "reload of " + reloader.file() + ": shared config " + version
                    + " not sent: no peer in the cluster now (one that joins later keeps its own: reload here once "
                    + "it is up, and show cluster says whether they match)");
        } else {
            String block = "\n  " + String.join("\n  ", shown.peerLines());
            LOG.log(shown.peerRefused() ? System.Logger.Level.WARNING : System.Logger.Level.INFO, "reload of "
                    + reloader.file() + ": shared config " + version + " sent to the peers" + (shown.peerRefused()
                    ? "; a peer did not apply it and runs its own still (fix what it says and reload again)" : "")
                    + block);
        }
        return shown;
    }

    /**
     * After a reload from the file, the servers that {@code add server} or {@code del server} changed in the pair are
     * shared again as this node's file now has them (present with its address, options, state and weight, or
     * removed), so the peer ends as the file says too, and a node that joins later is not given a change the file
     * undid.
     */
    private void resetRuntimeServers() {
        if (!cluster.shares(ClusterConfig.Share.SERVER_STATES)) {
            return;
        }
        for (ServerChange change : PeerChanges.asRunning(this, cluster.runtimeServers())) {
            for (PeerReply reply : cluster.shareServer(change)) {
                LOG.log(reply.outcome().ok() ? System.Logger.Level.INFO : System.Logger.Level.WARNING, "reload: "
                        + "server " + change.server() + " " + change.setting().name().toLowerCase(java.util.Locale.ROOT)
                        + " as this node runs it now (" + change.value() + "), peer " + reply.peer() + ": "
                        + reply.outcome().summary());
            }
        }
    }

    /** The peers' admin changes, configs and ticket keys, applied here (see {@link ClusterNode#serve}). */
    private final class Peers implements SharedState {
        private final PeerChanges changes = new PeerChanges(TandemDaemon.this);

        @Override
        public Outcome applyServer(ServerChange change, String from) {
            return changes.apply(change, from);
        }

        @Override
        public Outcome applyConfig(ConfigOffer offer, String from) {
            return acceptConfig(offer, from);
        }

        @Override
        public ConfigOffer runningConfig() {
            if (reloader.file() == null) {
                return null;
            }
            SharedSections shared = reloader.shared();
            if (shared.config() == null) {
                return null;
            }
            return new ConfigOffer(new ConfigVersion(shared.hash(), cluster.configVersion().serial()),
                    reloader.file().toString(), shared.config().sentText());
        }

        @Override
        public byte[] ticketKeys() {
            return proxy.ticketKeys();
        }

        @Override
        public void useTicketKeys(byte[] keys, String from) {
            try {
                proxy.useTicketKeys(keys);
                LOG.log(System.Logger.Level.INFO, "tls: using the pair's session-ticket keys from " + from
                        + " (a session resumes on either node)");
            } catch (IllegalArgumentException e) {
                LOG.log(System.Logger.Level.WARNING, "tls: ticket keys from " + from + " not used: "
                        + e.getMessage());
            }
        }
    }

    /**
     * A peer's shared sections: taken unless this node already runs them, or runs a newer config (a reload of its
     * own that crossed this one); otherwise merged, checked and applied as a reload (see {@link Reloader#applyShared}).
     */
    private Outcome acceptConfig(ConfigOffer offer, String from) {
        String self = reloader.running().global().name();
        if (reloader.file() == null) {
            return Outcome.refused("not applied: this daemon has no config file", List.of());
        }
        synchronized (reloader) {
            if (stopping) {
                return Outcome.refused("not applied: the daemon is stopping", List.of());
            }
            ConfigVersion now = cluster.configVersion();
            if (now.hash().equals(offer.version().hash())) {
                cluster.configRunning(new ConfigVersion(now.hash(), Math.max(now.serial(), offer.version().serial())));
                return Outcome.applied("already runs " + offer.version().hash(), List.of());
            }
            if (!offer.version().newerThan(from, now, self)) {
                return Outcome.refused("not applied: it runs " + now + ", newer than " + offer.version()
                        + " (reload again on the node whose config is right)", List.of());
            }
            ReloadResult result = reloader.applyShared(offer, self);
            List<String> lines = new ArrayList<>(result.errors());
            lines.addAll(result.changes());
            result.restartNeeded().forEach(line -> lines.add(line + ": needs a restart, the running value is kept"));
            String block = lines.isEmpty() ? "" : "\n  " + String.join("\n  ", lines);
            if (result.applied()) {
                cluster.configRunning(offer.version());
                LOG.log(System.Logger.Level.INFO, "shared config " + offer.version() + " from peer " + from + " "
                        + result.summary() + ", written to " + reloader.file() + block);
                return Outcome.applied(result.summary(), lines);
            }
            LOG.log(System.Logger.Level.WARNING, "shared config " + offer.version() + " from peer " + from + " "
                    + result.summary() + " (still running " + now + "; the peer reports these errors)" + block);
            return Outcome.refused(result.summary(), lines);
        }
    }

    @Override
    public List<PeerReply> shareServer(ServerChange change) {
        if (cluster == null || !cluster.shares(ClusterConfig.Share.SERVER_STATES)) {
            return null;
        }
        return cluster.shareServer(change);
    }

    @Override
    public ConfigVersion configVersion() {
        return cluster == null ? aloneVersion : cluster.configVersion();
    }

    /** Tells systemd (when it started the daemon as a {@code Type=notify} unit) that the daemon is up. */
    void notifyReady() {
        systemd.ready(serving());
    }

    /** What is running, for {@code systemctl status}. */
    private String serving() {
        return "serving " + proxy.snapshot().frontends().size() + " frontend(s), " + l4.snapshot().services().size()
                + " L4 service(s), " + vrrp.instances().size() + " VRRP instance(s)";
    }

    /** The file a reload reads, or null. */
    Path configFile() {
        return reloader.file();
    }

    /**
     * Applies {@code next}, the running config with servers added or removed by the runtime API, as a reload
     * applies a file (see {@link Reloader#apply}); refused while the daemon stops.
     */
    @Override
    public ReloadResult apply(TandemConfig next) {
        synchronized (reloader) {
            if (stopping) {
                return ReloadResult.refused(List.of("the daemon is stopping"));
            }
            return reloader.apply(next);
        }
    }

    @Override
    public TandemConfig config() {
        return reloader.running();
    }

    @Override
    public L7Snapshot l7() {
        return proxy.snapshot();
    }

    @Override
    public L4Snapshot l4() {
        return l4.snapshot();
    }

    @Override
    public HealthChecks healthChecks() {
        return state.healthChecks();
    }

    @Override
    public List<VrrpInstance> vrrp() {
        return vrrp.instances();
    }

    @Override
    public List<ClientSession> sessions() {
        return proxy.sessions(Duration.ofSeconds(2));
    }

    @Override
    public String version() {
        return Version.text();
    }

    @Override
    public long startedAtMillis() {
        return startedAtMillis;
    }

    /** The stats endpoint; it does not listen while the running config has no {@code admin.stats}. */
    StatsServer stats() {
        return stats;
    }

    /** The live state: servers, pools, tables and health checks. */
    RuntimeState state() {
        return state;
    }

    /**
     * maxconn client connections each need a server connection too; when the process may not open that many
     * descriptors, say so at startup rather than failing under load.
     */
    private static void warnWhenDescriptorsAreShort(int maxconn) {
        String warning = Descriptors.shortageWarning(maxconn, Descriptors.limit());
        if (warning != null) {
            LOG.log(System.Logger.Level.WARNING, warning);
        }
    }

    private static void closeQuietly(AsyncAccessLog accessLog) {
        if (accessLog != null) {
            accessLog.close();
        }
    }

    /** Blocks until {@link #stop} has finished. */
    void awaitStop() throws InterruptedException {
        stopped.await();
    }

    /**
     * Graceful stop: VRRP hands the addresses over first (priority 0), then no new connections, and in-flight
     * requests finish up to {@code hard-stop-after}.
     */
    void stop() {
        // A reload in progress finishes first; later ones are refused.
        synchronized (reloader) {
            stopping = true;
        }
        systemd.stopping("stopping: draining " + (proxy.activeConnections() + l4.activeConnections())
                + " connection(s)");
        try {
            drainAndClose();
        } catch (RuntimeException e) {
            // Without this a failed stop would leave the process up with its listeners closed, for kill -9 to end.
            LOG.log(System.Logger.Level.ERROR, "stop failed (" + e + "); exiting without finishing the drain");
        } finally {
            stopped.countDown();
        }
    }

    private void drainAndClose() {
        if (!vrrp.instances().isEmpty()) {
            LOG.log(System.Logger.Level.INFO, "stopping: VRRP sends priority 0 and releases its addresses");
            vrrp.stop();
        }
        Duration grace = reloader.running().global().hardStopAfter();
        LOG.log(System.Logger.Level.INFO, "stopping: listeners closed, draining " + (proxy.activeConnections()
                + l4.activeConnections()) + " connection(s) for up to " + grace.toMillis() + "ms");
        Deadline deadline = Deadline.after(grace);
        // The front tier drains first, then the L7 tier behind it finishes what L4 passed on. Each stops accepting
        // at once; the waiting is here, so that a second signal (stopNow) can end it.
        l4.drain(Duration.ZERO);
        awaitDrained(l4::activeConnections, deadline);
        proxy.drain(Duration.ZERO);
        awaitDrained(() -> l4.activeConnections() + proxy.activeConnections(), deadline);
        int left = l4.activeConnections() + proxy.activeConnections();
        if (left > 0 && !stopNow) {
            LOG.log(System.Logger.Level.WARNING, "hard-stop-after reached: closing " + left
                    + " connection(s) still open");
        }
        l4.close();
        if (cluster != null) {
            cluster.close(); // a clean leave: the peer keeps the tables and counts this node gone at once
        }
        // Last: an operator watches the drain on the stats page and the runtime API until the end.
        stats.close();
        if (admin != null) {
            admin.close();
        }
        state.close();
        closeQuietly(accessLog);
        LOG.log(System.Logger.Level.INFO, "stopped");
    }

    private void awaitDrained(IntSupplier open, Deadline deadline) {
        synchronized (drainWait) {
            while (open.getAsInt() > 0 && !deadline.passed() && !stopNow) {
                try {
                    // Polled: connections end on the event loops, which do not call back here.
                    drainWait.wait(Math.max(1, Math.min(20, deadline.remaining().toMillis())));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /**
     * Ends the drain of a {@link #stop} at once (a second SIGTERM or SIGINT): the connections still open are
     * closed. VRRP has already handed over by then, since it stops before the drain begins.
     */
    void stopNow() {
        int open = proxy.activeConnections() + l4.activeConnections();
        LOG.log(System.Logger.Level.WARNING, "second signal: stopping now, closing " + open + " connection(s)");
        synchronized (drainWait) {
            stopNow = true;
            drainWait.notifyAll();
        }
    }

    @Override
    public void close() {
        if (stopped.getCount() > 0) {
            stop();
        }
    }
}
