package io.tandem.cluster;

import io.tandem.core.config.ClusterConfig;
import io.tandem.core.stick.StickTable;
import org.jgroups.Address;
import org.jgroups.JChannel;
import org.jgroups.MergeView;
import org.jgroups.Message;
import org.jgroups.Receiver;
import org.jgroups.View;

import java.io.InputStream;
import java.io.OutputStream;
import java.time.Instant;
import java.util.List;
import java.util.Map;
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
 */
public final class ClusterNode implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ClusterNode.class.getName());
    /** The most changes waiting to be sent before the oldest is dropped (about 100 bytes each). */
    static final int QUEUE_CAPACITY = 100_000;
    /** How long a joiner waits for the full tables (1M entries take a few seconds). */
    private static final long STATE_TIMEOUT_MILLIS = 60_000;
    private static final long RETRY_MILLIS = 3000;

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

    private ClusterNode(ClusterConfig config, String node, Supplier<Map<String, StickTable>> tables) throws Exception {
        this.config = config;
        this.node = node;
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
     * committed stick tables by shared name (call {@link #tablesChanged} after each commit).
     */
    public static ClusterNode start(ClusterConfig config, String node, Supplier<Map<String, StickTable>> tables)
            throws Exception {
        ClusterNode cluster = new ClusterNode(config, node, tables);
        cluster.joiner.start();
        return cluster;
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
                ClusterStatus.peers(view, node, replicator.lagMillis()), replicator.queueDepth(),
                replicator.dropped(), replicator.coalesced(), replicator.sent(), replicator.received(),
                refused.sum(), lastTransfer);
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
                replicator.receive(TableCodec.decode(msg.getArray() == null ? new byte[0]
                        : java.util.Arrays.copyOfRange(msg.getArray(), msg.getOffset(),
                        msg.getOffset() + msg.getLength())));
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
            if (view instanceof MergeView && !closed) {
                resync.execute(ClusterNode.this::resync);
            }
        }

        @Override
        public void getState(OutputStream out) throws Exception {
            long start = System.nanoTime();
            long entries = replicator.writeFull(out);
            LOG.log(System.Logger.Level.INFO, "cluster " + config.name() + ": sent the tables (" + entries
                    + " entries) to a joining member in " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)
                    + "ms");
        }

        @Override
        public void setState(InputStream in) throws Exception {
            long start = System.nanoTime();
            long changes = replicator.readFull(in);
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            View view = channel.getView();
            String from = view == null ? "the coordinator" : String.valueOf(view.getCoord());
            lastTransfer = new ClusterStatus.StateTransfer(from, Instant.now(), changes, millis);
            LOG.log(System.Logger.Level.INFO, "cluster " + config.name() + ": received the tables from " + from
                    + ": " + changes + " change(s) in " + millis + "ms");
        }
    }

    private void resync() {
        try {
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
        channel.close();
    }
}
