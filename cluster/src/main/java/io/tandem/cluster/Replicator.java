package io.tandem.cluster;

import io.tandem.core.stick.StickEntry;
import io.tandem.core.stick.StickTable;
import io.tandem.core.stick.StickTableListener;
import io.tandem.core.stick.StickUpdate;

import java.io.DataInput;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * Copies this node's stick tables to its peers and applies theirs. Local changes arrive through
 * {@link StickTableListener} on the data path and only mark the entry dirty in the {@link Outbox}; the sender thread
 * reads each dirty entry's state, batches it (at most a message a millisecond, {@link #LINGER_NANOS}, unless batches
 * fill) and hands it to the {@link Link}. Received changes are applied with
 * {@link StickTable#apply(String, StickUpdate)}, so a peer's counters stay its own share and reads sum them, and a
 * server change with an older version never overwrites a newer one. Changes applied here are not sent back.
 */
final class Replicator implements StickTableListener, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Replicator.class.getName());
    /** Changes per message: large enough to amortise a send, small enough to stay well under a fragment's budget. */
    static final int BATCH = 500;
    /**
     * After a message that did not fill a batch, the sender waits this long before it takes the next: the changes
     * made meanwhile go in one message instead of one each (a message costs its encryption, the stack's headers and
     * acknowledgements and a write on both nodes), and while it waits the data path wakes nobody. A change made
     * while the sender is idle still leaves at once, so this is the most any change waits for its message.
     */
    static final long LINGER_NANOS = 1_000_000;

    /** Where batches go: the cluster channel, or another replicator in a test. */
    interface Link {
        void send(byte[] batch) throws Exception;
    }

    private final String node;
    private final boolean counters;
    private final Supplier<Map<String, StickTable>> tables;
    private final Outbox outbox;
    private final Link link;
    private final Thread sender;
    private final AtomicBoolean idle = new AtomicBoolean();
    private volatile boolean running = true;
    /** The tables this replicator listens to, by identity, with their shared names. */
    private volatile Map<StickTable, String> attached = new IdentityHashMap<>();
    /** The same tables by shared name, for what peers send. */
    private volatile Map<String, StickTable> byName = Map.of();
    /** Set while this thread applies a peer's change: the table's listeners must not echo it back. */
    private final ThreadLocal<Boolean> applying = ThreadLocal.withInitial(() -> false);
    private final LongAdder sent = new LongAdder();
    private final LongAdder received = new LongAdder();
    private final LongAdder sendFailures = new LongAdder();
    private final LongAdder unknownTable = new LongAdder();
    private final Map<String, Long> lagMillis = new ConcurrentHashMap<>();

    /**
     * @param node     this node's name (the share its own counters travel under)
     * @param counters whether counters are shared ({@code rate-limits}); without, only servers travel
     * @param tables   the tables now committed, by shared name
     * @param capacity the most changes waiting to be sent
     */
    Replicator(String node, boolean counters, Supplier<Map<String, StickTable>> tables, int capacity, Link link) {
        this.node = node;
        this.counters = counters;
        this.tables = tables;
        this.link = link;
        this.outbox = new Outbox(capacity, this::wake);
        this.sender = new Thread(this::sendLoop, "tandem-cluster-send");
        this.sender.setDaemon(true);
        attach();
        sender.start();
    }

    /** Follows the tables committed now: listens to new ones, forgets retired ones. Called after each commit. */
    synchronized void attach() {
        Map<StickTable, String> next = new IdentityHashMap<>();
        tables.get().forEach((name, table) -> next.put(table, name));
        Map<StickTable, String> before = attached;
        for (StickTable table : next.keySet()) {
            if (!before.containsKey(table)) {
                table.versionNode(versionNode());
                table.addListener(this);
            }
        }
        for (StickTable table : before.keySet()) {
            if (!next.containsKey(table)) {
                table.removeListener(this);
            }
        }
        Map<String, StickTable> names = new HashMap<>();
        next.forEach((table, name) -> names.put(name, table));
        attached = next;
        byName = names;
    }

    /** The low bits of this node's server versions: from its name, so that it is the same after a restart. */
    private int versionNode() {
        return node.hashCode() & 0xFFFF;
    }

    @Override
    public void entryUpdated(StickTable table, StickEntry entry) {
        if (!applying.get()) {
            outbox.updated(table, entry);
        }
    }

    @Override
    public void entryRemoved(StickTable table, String key) {
        if (!applying.get()) {
            outbox.removed(table, key);
        }
    }

    @Override
    public void cleared(StickTable table) {
        if (!applying.get()) {
            outbox.cleared(table);
        }
    }

    private void wake() {
        if (idle.get() && idle.compareAndSet(true, false)) {
            LockSupport.unpark(sender);
        }
    }

    private void sendLoop() {
        while (running) {
            List<Outbox.Pending> changes = outbox.drain(BATCH);
            if (changes.isEmpty()) {
                idle.set(true);
                if (outbox.isEmpty() && running) {
                    LockSupport.parkNanos(100_000_000L);
                }
                idle.set(false);
                continue;
            }
            List<TableOp> ops = new ArrayList<>(changes.size());
            for (Outbox.Pending change : changes) {
                TableOp op = op(change);
                if (op != null) {
                    ops.add(op);
                }
            }
            if (!ops.isEmpty()) {
                try {
                    link.send(TableCodec.encode(node, System.currentTimeMillis(), ops));
                    sent.add(ops.size());
                } catch (Exception e) {
                    sendFailures.add(ops.size());
                    LOG.log(System.Logger.Level.DEBUG, "cluster: could not send " + ops.size() + " change(s): " + e);
                }
            }
            if (changes.size() < BATCH && running) {
                LockSupport.parkNanos(LINGER_NANOS);
            }
        }
    }

    private TableOp op(Outbox.Pending change) {
        StickTable table = change.slot().table();
        String name = attached.get(table);
        if (name == null) {
            return null;
        }
        if (change.slot().key() == null) {
            return new TableOp.Clear(name);
        }
        if (change.entry() == null) {
            return new TableOp.Remove(name, change.slot().key());
        }
        // An entry that expired or was evicted since it was marked is each node's own business.
        if (table.lookup(change.slot().key()) != change.entry()) {
            return null;
        }
        return new TableOp.Update(name, node, shared(table.snapshot(change.entry())));
    }

    /** Without {@code rate-limits} only the server travels. */
    private StickUpdate shared(StickUpdate update) {
        return counters ? update : new StickUpdate(update.key(), update.serverId(), update.expiresInMillis(),
                List.of(), update.serverVersion());
    }

    /** Applies a batch from a peer. */
    void receive(TableCodec.Batch batch) {
        long lag = System.currentTimeMillis() - batch.sentAtMillis();
        lagMillis.put(batch.sender(), Math.max(0, lag));
        apply(batch.ops());
    }

    /**
     * Applies {@code ops} in order, except that the updates between two removals or clears go in per table and
     * share, with {@link StickTable#applyAll} (an entry's shares are independent of each other, and its server is
     * versioned), which is what lets a state transfer install a million entries in a few seconds.
     */
    private void apply(List<TableOp> ops) {
        Map<String, StickTable> byName = this.byName;
        Map<Run, List<StickUpdate>> runs = new LinkedHashMap<>();
        applying.set(true);
        try {
            for (TableOp op : ops) {
                StickTable table = byName.get(op.table());
                if (table == null) {
                    unknownTable.increment(); // the peer runs a config with a table this one lacks
                } else if (op instanceof TableOp.Update u) {
                    runs.computeIfAbsent(new Run(table, u.share()), k -> new ArrayList<>()).add(u.update());
                } else {
                    applyRuns(runs);
                    if (op instanceof TableOp.Remove r) {
                        table.remove(r.key());
                    } else {
                        table.clear();
                    }
                    received.increment();
                }
            }
            applyRuns(runs);
        } finally {
            applying.set(false);
        }
    }

    /** The updates of one table and one node's share, applied together. */
    private record Run(StickTable table, String share) {
    }

    private void applyRuns(Map<Run, List<StickUpdate>> runs) {
        runs.forEach((run, updates) -> {
            run.table().applyAll(run.share().equals(node) ? null : run.share(), updates);
            received.add(updates.size());
        });
        runs.clear();
    }

    /** Where the batches of a full sync go: a state-transfer stream, or the channel after a merge. */
    interface BatchSink {
        void accept(List<TableOp> ops) throws Exception;
    }

    /**
     * Hands every live entry of every table to {@code sink} in batches: this node's counters and, unless
     * {@code ownOnly}, each share it holds of other nodes' (what a joining node needs, its own former share
     * included). @return the entries
     */
    long full(boolean ownOnly, BatchSink sink) throws Exception {
        long entries = 0;
        List<TableOp> ops = new ArrayList<>(BATCH);
        for (Map.Entry<StickTable, String> t : attached.entrySet()) {
            StickTable table = t.getKey();
            for (StickEntry entry : table.entries()) {
                if (table.lookup(entry.key()) != entry) {
                    continue;
                }
                entries++;
                ops.add(new TableOp.Update(t.getValue(), node, shared(table.snapshot(entry))));
                if (!ownOnly && counters) {
                    table.peerSnapshots(entry).forEach((share, u) -> ops.add(new TableOp.Update(t.getValue(), share, u)));
                }
                if (ops.size() >= BATCH) {
                    sink.accept(List.copyOf(ops));
                    ops.clear();
                }
            }
        }
        if (!ops.isEmpty()) {
            sink.accept(List.copyOf(ops));
        }
        return entries;
    }

    /**
     * Writes a full sync to a state-transfer stream, ended by an empty batch; the caller buffers (the state stream
     * sends a message per write, and the codec writes field by field) and flushes. @return the entries
     */
    long writeFull(DataOutputStream out) throws Exception {
        long entries = full(false, ops -> TableCodec.write(out, node, System.currentTimeMillis(), ops));
        TableCodec.write(out, node, System.currentTimeMillis(), List.of());
        return entries;
    }

    /** Sends this node's share of every entry to the peers, as a resync after a partition healed. @return the entries */
    long broadcastOwn() throws Exception {
        return full(true, ops -> link.send(TableCodec.encode(node, System.currentTimeMillis(), ops)));
    }

    /**
     * Reads a full sync written by {@link #writeFull} and applies it, leaving {@code in} after its empty batch.
     * @return the operations applied
     */
    long readFull(DataInput in) throws IOException {
        long ops = 0;
        while (true) {
            TableCodec.Batch batch = TableCodec.read(in);
            if (batch.ops().isEmpty()) {
                return ops;
            }
            apply(batch.ops());
            ops += batch.ops().size();
        }
    }

    int queueDepth() {
        return outbox.depth();
    }

    long dropped() {
        return outbox.dropped();
    }

    long coalesced() {
        return outbox.coalesced();
    }

    long sent() {
        return sent.sum();
    }

    long received() {
        return received.sum();
    }

    long sendFailures() {
        return sendFailures.sum();
    }

    long unknownTable() {
        return unknownTable.sum();
    }

    /** The last replication lag seen from each peer: its send time to this node's apply, in wall-clock ms. */
    Map<String, Long> lagMillis() {
        return Map.copyOf(lagMillis);
    }

    Set<String> tableNames() {
        return Set.copyOf(attached.values());
    }

    @Override
    public void close() {
        running = false;
        LockSupport.unpark(sender);
        try {
            sender.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (StickTable table : attached.keySet()) {
            table.removeListener(this);
        }
    }
}
