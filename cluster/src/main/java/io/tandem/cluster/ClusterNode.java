package io.tandem.cluster;

import io.tandem.core.config.ClusterConfig;
import io.tandem.core.config.ConfigVersion;
import io.tandem.core.stick.StickTable;
import org.jgroups.Address;
import org.jgroups.JChannel;
import org.jgroups.MergeView;
import org.jgroups.Message;
import org.jgroups.Receiver;
import org.jgroups.View;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * This node's membership of the pair's cluster: joins in the background (never on the daemon's start path), takes
 * the full tables from the coordinator before it counts as {@link #ready}, then replicates its table changes and
 * applies its peers'. After a partition heals (a merge view) every node sends its own share of every entry again,
 * so both sides end with the same entries: the newest server version wins, and each node's counters are its own.
 * A member that lacks the secret is refused at join (both sides log it) and cannot read a payload anyway.
 *
 * <p>With {@code share: server-states} and {@code config} it also carries the runtime API's admin changes and the
 * shared config sections: {@link #shareServer} and {@link #shareConfig} send them and wait for each peer's
 * {@link Outcome}; a peer applies them through its {@link SharedState} on one control thread, in order, off
 * JGroups' delivery threads. What a node applies from a peer it never sends on, so nothing can loop. Every node
 * announces the config version it runs, for {@link ClusterStatus#configInSync}; a node that hears a peer announce
 * an older config than its own (the peer was down or cut off during a reload) sends it its own, which the peer
 * checks and applies as a reload's. The coordinator also owns the TLS session-ticket keys: it alone rotates them
 * ({@link #ownsTicketKeys}) and sends them to every member that joins and after each rotation.
 */
public final class ClusterNode implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ClusterNode.class.getName());
    /** The most changes waiting to be sent before the oldest is dropped (about 100 bytes each). */
    static final int QUEUE_CAPACITY = 100_000;
    /** How long a joiner waits for the full tables (1M entries take a few seconds). */
    private static final long STATE_TIMEOUT_MILLIS = 60_000;
    private static final long RETRY_MILLIS = 3000;
    /** How long an admin change waits for the peers' replies (applying one takes microseconds). */
    static final Duration SERVER_REPLY_TIMEOUT = Duration.ofSeconds(5);
    /** How long a config waits: the peer checks it, compiles it, opens listeners and writes its file. */
    static final Duration CONFIG_REPLY_TIMEOUT = Duration.ofSeconds(20);

    private final ClusterConfig config;
    private final String node;
    private final JChannel channel;
    private final Replicator replicator;
    private final Thread joiner;
    private final ExecutorService resync;
    private final LongAdder refused = new LongAdder();
    private volatile boolean ready;
    private volatile boolean closed;
    private volatile List<String> members = List.of();
    private volatile ClusterStatus.StateTransfer lastTransfer;
    private final AdminStates admin;
    private final Requests requests = new Requests();
    /** Where peers' admin changes and configs are applied, one at a time; the replies go out from here too. */
    private final ExecutorService control;
    private volatile SharedState shared;
    private volatile ConfigVersion configVersion;
    private final Map<String, ConfigVersion> peerVersions = new ConcurrentHashMap<>();
    /** The config this node last sent each peer that ran an older one; forgotten when the peer leaves or merges. */
    private final Map<String, ConfigVersion> sentOlderPeers = new ConcurrentHashMap<>();
    private final LongAdder statesSent = new LongAdder();
    private final LongAdder statesApplied = new LongAdder();
    private final LongAdder statesNotApplied = new LongAdder();
    private final LongAdder configsSent = new LongAdder();
    private final LongAdder configsAccepted = new LongAdder();
    private final LongAdder configsRefused = new LongAdder();
    /** The coordinator's ticket keys received before {@link #serve}, used there. */
    private volatile byte[] pendingTicketKeys;
    private volatile String pendingTicketKeysFrom;

    private ClusterNode(ClusterConfig config, String node, Supplier<Map<String, StickTable>> tables,
                        ConfigVersion version) throws Exception {
        this.config = config;
        this.node = node;
        this.configVersion = version;
        this.admin = new AdminStates(node);
        this.control = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "tandem-cluster-control");
            t.setDaemon(true);
            return t;
        });
        ClusterKeys keys = ClusterKeys.derive(config.secret(), config.name());
        this.channel = ClusterStack.channel(config, node, keys, this::refusedJoin);
        this.replicator = new Replicator(node, config.share().contains(ClusterConfig.Share.RATE_LIMITS), tables,
                QUEUE_CAPACITY, this::send);
        this.resync = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "tandem-cluster-resync");
            t.setDaemon(true);
            return t;
        });
        channel.setReceiver(new Events());
        this.joiner = new Thread(this::join, "tandem-cluster-join");
        joiner.setDaemon(true);
    }

    /**
     * Opens the cluster's socket on {@code bind} and starts joining in the background; {@code tables} gives the
     * committed stick tables by shared name (call {@link #tablesChanged} after each commit), {@code version} the
     * shared config version this node starts with. Peers' admin changes and configs wait for {@link #serve}.
     */
    public static ClusterNode start(ClusterConfig config, String node, Supplier<Map<String, StickTable>> tables,
                                    ConfigVersion version) throws Exception {
        ClusterNode cluster = new ClusterNode(config, node, tables, version);
        cluster.joiner.start();
        return cluster;
    }

    /**
     * From now on, peers' admin changes and configs go to {@code state}; the admin changes and ticket keys received
     * before (in the state transfer) are applied now, and the config version is announced again, so a peer that
     * runs a newer config sends it now that it can be applied.
     */
    public void serve(SharedState state) {
        this.shared = state;
        control.execute(() -> {
            admin.all().forEach(this::applyServer);
            byte[] keys = pendingTicketKeys;
            if (keys != null) {
                state.useTicketKeys(keys, pendingTicketKeysFrom);
            }
            announceVersion();
        });
    }

    /** Whether this node shares {@code what} ({@code cluster.share}). */
    public boolean shares(ClusterConfig.Share what) {
        return config.share().contains(what);
    }

    /**
     * Sends an admin change made on this node (by the runtime API) to the peers and waits for their replies; an
     * empty list when no peer is in the view (one that joins receives it in its state transfer).
     */
    public List<PeerReply> shareServer(ServerChange change) {
        AdminStates.Entry entry = admin.local(change);
        statesSent.increment();
        return ask(id -> new ControlCodec.ServerMsg(id, entry), SERVER_REPLY_TIMEOUT);
    }

    /**
     * The servers that {@code add server} or {@code del server} changed in the pair ({@code l7:app/app-03}): after
     * a reload the daemon shares each one again as its file now has it, so both nodes end as the file says.
     */
    public List<String> runtimeServers() {
        return admin.runtimeServers();
    }

    /**
     * True when this node rotates the pair's session-ticket keys: it is the coordinator of the view, or alone (not
     * joined yet, or cut off). The others use the keys it sends ({@link #shareTicketKeys}).
     */
    public boolean ownsTicketKeys() {
        View view = channel.getView();
        return view == null || view.size() < 2 || Objects.equals(view.getCoord(), channel.getAddress());
    }

    /** Sends the session-ticket keys this node just rotated to the peers, off the caller's thread (an event loop). */
    public void shareTicketKeys(byte[] keys) {
        control.execute(() -> sendTicketKeys(keys));
    }

    private void sendTicketKeys(byte[] keys) {
        View view = channel.getView();
        if (keys == null || view == null || view.size() < 2) {
            return;
        }
        try {
            channel.send(new org.jgroups.BytesMessage(null, ControlCodec.encode(new ControlCodec.TicketKeysMsg(keys))));
        } catch (Exception e) {
            LOG.log(System.Logger.Level.WARNING, "cluster " + config.name() + ": could not send the TLS ticket keys ("
                    + e + "); a session moving to the other node may need a full handshake");
        }
    }

    /** Sends this node's shared config sections to the peers and waits for each one's check and apply. */
    public List<PeerReply> shareConfig(ConfigOffer offer) {
        configsSent.increment();
        return ask(id -> new ControlCodec.ConfigMsg(id, offer), CONFIG_REPLY_TIMEOUT);
    }

    /** The version a config this node sends now carries: its hash, a serial above every one seen in the pair. */
    public ConfigVersion nextConfigVersion(String hash) {
        long serial = configVersion.serial();
        for (ConfigVersion peer : peerVersions.values()) {
            serial = Math.max(serial, peer.serial());
        }
        return new ConfigVersion(hash, serial + 1);
    }

    /** The shared config version this node runs now. */
    public ConfigVersion configVersion() {
        return configVersion;
    }

    /** Records the shared config version this node runs now (after a reload or a peer's config) and announces it. */
    public void configRunning(ConfigVersion version) {
        configVersion = version;
        control.execute(this::announceVersion);
    }

    private interface Request {
        ControlCodec.Control with(long id);
    }

    private List<PeerReply> ask(Request request, Duration timeout) {
        Set<String> peers = new LinkedHashSet<>(members);
        peers.remove(node);
        View view = channel.getView();
        if (peers.isEmpty() || view == null || view.size() < 2) {
            return List.of();
        }
        long id = requests.open(peers);
        try {
            channel.send(new org.jgroups.BytesMessage(null, ControlCodec.encode(request.with(id))));
        } catch (Exception e) {
            LOG.log(System.Logger.Level.WARNING, "cluster " + config.name() + ": could not send to the peers (" + e
                    + ")");
        }
        return requests.await(id, timeout);
    }

    /** True once this node has joined and holds the tables: what VRRP waits for before it may become master. */
    public boolean ready() {
        return ready;
    }

    /** Follows the tables of a new commit (a reload may add or retire some). */
    public void tablesChanged() {
        replicator.attach();
    }

    public ClusterStatus status() {
        List<String> view = members;
        return new ClusterStatus(config.name(), node, ready, view,
                ClusterStatus.peers(view, node, replicator.lagMillis(), Map.copyOf(peerVersions)),
                replicator.queueDepth(), replicator.dropped(), replicator.coalesced(), replicator.sent(),
                replicator.received(), refused.sum(), lastTransfer, configVersion,
                new ClusterStatus.Sharing(shares(ClusterConfig.Share.SERVER_STATES),
                        shares(ClusterConfig.Share.CONFIG), statesSent.sum(), statesApplied.sum(),
                        statesNotApplied.sum(), configsSent.sum(), configsAccepted.sum(), configsRefused.sum()));
    }

    private void join() {
        while (!closed) {
            try {
                LOG.log(System.Logger.Level.INFO, "cluster " + config.name() + ": node " + node + " joining on "
                        + config.bind() + ", members " + config.members());
                channel.connect(config.name(), null, STATE_TIMEOUT_MILLIS);
                ready = true;
                LOG.log(System.Logger.Level.INFO, "cluster " + config.name() + ": " + node + " is ready ("
                        + (lastTransfer == null ? "first member up, no tables to receive"
                        : "tables received from " + lastTransfer.from()) + "), members " + members);
                return;
            } catch (SecurityException e) {
                LOG.log(System.Logger.Level.ERROR, "cluster " + config.name() + ": " + node + " was refused by the "
                        + "cluster (" + e.getMessage() + "): its cluster secret differs from the members'; give "
                        + "every node the same secret file and restart; retrying in " + RETRY_MILLIS + "ms");
            } catch (Exception e) {
                if (closed) {
                    return;
                }
                LOG.log(System.Logger.Level.WARNING, "cluster " + config.name() + ": " + node + " could not join ("
                        + e + "); retrying in " + RETRY_MILLIS + "ms");
            }
            disconnectQuietly();
            sleep(RETRY_MILLIS);
        }
    }

    private void refusedJoin(String who) {
        refused.increment();
        LOG.log(System.Logger.Level.ERROR, "cluster " + config.name() + ": refused " + who + ": it does not hold "
                + "this cluster's secret; give every node the same secret file (" + "tandem setup writes "
                + "/etc/tandem/cluster.key)");
    }

    /** The sender thread's link: a multicast to the view, skipped while this node is alone. */
    private void send(byte[] batch) throws Exception {
        View view = channel.getView();
        if (view == null || view.size() < 2) {
            return;
        }
        channel.send(new org.jgroups.BytesMessage(null, batch));
    }

    /** JGroups callbacks, on JGroups' threads. */
    private final class Events implements Receiver {
        @Override
        public void receive(Message msg) {
            try {
                byte[] payload = msg.getArray() == null ? new byte[0] : java.util.Arrays.copyOfRange(msg.getArray(),
                        msg.getOffset(), msg.getOffset() + msg.getLength());
                if (payload.length > 0 && ControlCodec.isControl(payload[0])) {
                    received(ControlCodec.decode(payload), msg.getSrc());
                } else {
                    replicator.receive(TableCodec.decode(payload));
                }
            } catch (Exception e) {
                LOG.log(System.Logger.Level.WARNING, "cluster " + config.name() + ": dropped a message from "
                        + msg.getSrc() + " that does not decode: " + e.getMessage());
            }
        }

        @Override
        public void viewAccepted(View view) {
            List<String> before = members;
            List<String> now = view.getMembers().stream().map(Address::toString).toList();
            members = now;
            List<String> joined = now.stream().filter(m -> !before.contains(m)).toList();
            List<String> left = before.stream().filter(m -> !now.contains(m)).toList();
            LOG.log(System.Logger.Level.INFO, "cluster " + config.name() + ": members " + now
                    + (joined.isEmpty() || before.isEmpty() ? "" : ", joined " + joined)
                    + (left.isEmpty() ? "" : ", left or failed " + left)
                    + (view instanceof MergeView ? " (partition healed: resyncing the tables)" : ""));
            left.forEach(sentOlderPeers::remove);
            if (view instanceof MergeView && !closed) {
                sentOlderPeers.clear();
                resync.execute(ClusterNode.this::resync);
            }
            if (!joined.isEmpty() && now.size() > 1 && !closed) {
                control.execute(ClusterNode.this::announceVersion);
            }
            if ((!joined.isEmpty() || view instanceof MergeView) && now.size() > 1 && !closed
                    && Objects.equals(view.getCoord(), channel.getAddress())) {
                // The coordinator's keys become the pair's: a ticket issued on either node resumes on the other.
                control.execute(() -> {
                    SharedState state = shared;
                    if (state != null) {
                        sendTicketKeys(state.ticketKeys());
                    }
                });
            }
        }

        @Override
        public void getState(OutputStream stream) throws Exception {
            long start = System.nanoTime();
            // Buffered: the state stream sends a message per write, and the codecs write field by field.
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(stream, ClusterStack.STATE_CHUNK_BYTES));
            long entries = replicator.writeFull(out);
            ControlCodec.writeEntries(out, admin.all());
            out.flush();
            LOG.log(System.Logger.Level.INFO, "cluster " + config.name() + ": sent the tables (" + entries
                    + " entries) to a joining member in " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)
                    + "ms");
        }

        @Override
        public void setState(InputStream stream) throws Exception {
            long start = System.nanoTime();
            WireInput in = WireInput.of(stream);
            long changes = replicator.readFull(in);
            List<AdminStates.Entry> states = ControlCodec.readEntries(in);
            for (AdminStates.Entry entry : states) {
                if (admin.offer(entry)) {
                    control.execute(() -> applyServer(entry));
                }
            }
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            View view = channel.getView();
            String from = view == null ? "the coordinator" : String.valueOf(view.getCoord());
            lastTransfer = new ClusterStatus.StateTransfer(from, Instant.now(), changes, millis);
            LOG.log(System.Logger.Level.INFO, "cluster " + config.name() + ": received the tables from " + from
                    + ": " + changes + " change(s) and " + states.size() + " admin state(s) in " + millis + "ms");
        }
    }

    /** A peer's control message, on a JGroups thread: replies complete a request here, the rest go in order. */
    private void received(ControlCodec.Control message, Address src) {
        String from = String.valueOf(src);
        if (message instanceof ControlCodec.ReplyMsg reply) {
            requests.reply(reply.request(), from, reply.outcome());
        } else if (message instanceof ControlCodec.VersionMsg version) {
            control.execute(() -> versionAnnounced(from, version.version()));
        } else if (message instanceof ControlCodec.ServerMsg change) {
            control.execute(() -> reply(src, change.request(), serverChanged(change.entry(), from)));
        } else if (message instanceof ControlCodec.ConfigMsg offer) {
            control.execute(() -> reply(src, offer.request(), configOffered(offer.offer(), from)));
        } else if (message instanceof ControlCodec.TicketKeysMsg keys) {
            control.execute(() -> {
                SharedState state = shared;
                if (state == null) {
                    pendingTicketKeys = keys.keys();
                    pendingTicketKeysFrom = from;
                } else {
                    state.useTicketKeys(keys.keys(), from);
                }
            });
        }
    }

    private void reply(Address to, long request, Outcome outcome) {
        if (request == 0) {
            return;
        }
        try {
            channel.send(new org.jgroups.BytesMessage(to, ControlCodec.encode(new ControlCodec.ReplyMsg(request,
                    outcome))));
        } catch (Exception e) {
            LOG.log(System.Logger.Level.WARNING, "cluster " + config.name() + ": could not reply to " + to + " ("
                    + e + "); it reports no answer");
        }
    }

    private Outcome serverChanged(AdminStates.Entry entry, String from) {
        if (!shares(ClusterConfig.Share.SERVER_STATES)) {
            statesNotApplied.increment();
            return Outcome.refused("not applied: its cluster.share has no server-states", List.of());
        }
        if (!admin.offer(entry)) {
            statesNotApplied.increment();
            AdminStates.Entry held = admin.current(entry);
            return Outcome.refused("kept a newer change (" + held.change().value() + " from " + held.origin() + ")",
                    List.of());
        }
        return applyServer(entry);
    }

    /** Applies a held admin change; before {@link #serve} it waits there. */
    private Outcome applyServer(AdminStates.Entry entry) {
        SharedState state = shared;
        if (state == null) {
            return Outcome.applied("recorded (applied when its daemon has started)", List.of());
        }
        ServerChange change = entry.change();
        Outcome outcome = state.applyServer(change, entry.origin());
        if (outcome.ok()) {
            statesApplied.increment();
        } else {
            statesNotApplied.increment();
            LOG.log(System.Logger.Level.WARNING, "cluster " + config.name() + ": " + change.setting().name()
                    .toLowerCase(java.util.Locale.ROOT) + " " + change.value() + " of server " + change.server()
                    + " from " + entry.origin() + " not applied: " + outcome.summary() + " (the nodes' configs "
                    + "differ: see tandem ctl show cluster)");
        }
        return outcome;
    }

    private Outcome configOffered(ConfigOffer offer, String from) {
        SharedState state = shared;
        Outcome outcome;
        if (!shares(ClusterConfig.Share.CONFIG)) {
            outcome = Outcome.refused("not applied: its cluster.share has no config", List.of());
        } else if (state == null) {
            outcome = Outcome.refused("not applied: its daemon is still starting; reload again", List.of());
        } else {
            outcome = state.applyConfig(offer, from);
            if (outcome.ok()) {
                // Installing the file's sections undid the servers added or removed at runtime, which the pair
                // still holds: they are made again, in the order they were made.
                admin.all().forEach(this::applyServer);
            }
        }
        (outcome.ok() ? configsAccepted : configsRefused).increment();
        return outcome;
    }

    private void versionAnnounced(String from, ConfigVersion version) {
        ConfigVersion before = peerVersions.put(from, version);
        ConfigVersion own = configVersion;
        if (version.hash().equals(own.hash()) && version.serial() > own.serial()) {
            // The same sections: this node (started from the same file, say) takes the pair's serial.
            configVersion = new ConfigVersion(own.hash(), version.serial());
        }
        ConfigVersion running = configVersion;
        if (shares(ClusterConfig.Share.CONFIG) && newerHere(running, version, from)
                && !running.equals(sentOlderPeers.put(from, running))) {
            // Once per peer and version: a peer that announces again (its daemon started) is not sent it twice.
            resync.execute(() -> sendRunningConfig(from, version));
        }
        if (!Objects.equals(before, version)) {
            boolean same = version.hash().equals(own.hash());
            LOG.log(same ? System.Logger.Level.INFO : System.Logger.Level.WARNING, "cluster " + config.name() + ": "
                    + from + " runs shared config " + version + ", this node " + configVersion
                    + (same ? ": in sync" : shares(ClusterConfig.Share.CONFIG) ? ": they differ; the newer is sent to "
                    + "the other, which applies it if it passes its check" : ": they differ; run tandem ctl reload on "
                    + "the node whose file is right and copy its l7, l4 and defaults to the other"));
        }
    }

    /** Whether this node's config {@code own} wins over {@code peer}'s (see {@link ConfigVersion#newerThan}). */
    private boolean newerHere(ConfigVersion own, ConfigVersion peer, String peerNode) {
        return own.newerThan(node, peer, peerNode);
    }

    /**
     * Sends the config this node runs to {@code peer}, which announced the older {@code theirs} (it was down or cut
     * off during a reload here): the peer checks and applies it as a pushed config, and the outcome is logged here.
     */
    private void sendRunningConfig(String peer, ConfigVersion theirs) {
        SharedState state = shared;
        ConfigOffer offer = state == null ? null : state.runningConfig();
        if (offer == null || !newerHere(offer.version(), theirs, peer)) {
            sentOlderPeers.remove(peer); // not sent: the next announcement tries again
            return;
        }
        configsSent.increment();
        boolean applied = false;
        for (PeerReply reply : ask(id -> new ControlCodec.ConfigMsg(id, offer), CONFIG_REPLY_TIMEOUT)) {
            Outcome outcome = reply.outcome();
            applied |= outcome.ok() && reply.peer().equals(peer);
            String block = outcome.lines().isEmpty() ? "" : "\n  " + String.join("\n  ", outcome.lines());
            LOG.log(outcome.ok() ? System.Logger.Level.INFO : System.Logger.Level.WARNING, "cluster " + config.name()
                    + ": " + reply.peer() + " ran shared config " + theirs + ", older than this node's "
                    + offer.version() + ": sent it, peer " + reply.peer() + ": " + outcome.summary() + block);
        }
        if (!applied) {
            // Refused or unanswered (a peer whose daemon had not started yet refuses): its next announcement, at
            // the latest when its daemon serves, gets the config again.
            sentOlderPeers.remove(peer);
        }
    }

    private void announceVersion() {
        View view = channel.getView();
        if (view == null || view.size() < 2) {
            return;
        }
        try {
            channel.send(new org.jgroups.BytesMessage(null, ControlCodec.encode(
                    new ControlCodec.VersionMsg(configVersion))));
        } catch (Exception e) {
            LOG.log(System.Logger.Level.DEBUG, "cluster " + config.name() + ": could not announce the config "
                    + "version (" + e + ")");
        }
    }

    private void resync() {
        try {
            for (AdminStates.Entry entry : admin.all()) {
                channel.send(new org.jgroups.BytesMessage(null, ControlCodec.encode(
                        new ControlCodec.ServerMsg(0, entry))));
            }
            announceVersion();
            long entries = replicator.broadcastOwn();
            LOG.log(System.Logger.Level.INFO, "cluster " + config.name() + ": resent " + entries
                    + " entries after the merge");
        } catch (Exception e) {
            LOG.log(System.Logger.Level.WARNING, "cluster " + config.name() + ": resync after the merge failed ("
                    + e + "); entries converge as they change");
        }
    }

    private void disconnectQuietly() {
        try {
            channel.disconnect();
        } catch (RuntimeException ignored) {
            // A channel that never connected has nothing to undo.
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Leaves the cluster (the peer sees a clean leave, not a failure) and stops the threads. */
    @Override
    public void close() {
        closed = true;
        joiner.interrupt();
        replicator.close();
        resync.shutdownNow();
        control.shutdownNow();
        channel.close();
    }
}
