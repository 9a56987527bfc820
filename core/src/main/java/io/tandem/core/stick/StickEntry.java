package io.tandem.core.stick;

/**
 * One key of a {@link StickTable} and its stored data. Readers may hold an entry after it expired or was evicted
 * (a request in flight keeps counting into it); the table then simply no longer finds it. Counters are guarded
 * by the entry itself, the recency links and expiry by the table.
 */
public final class StickEntry {
    private static final StickData[] DATA = StickData.values();

    private final StickTable table;
    private final String key;
    /** By {@link StickData} ordinal; null when the table stores no count (most store only a rate): 72 bytes less. */
    private final long[] counts;
    private final RateCounter[] rates = new RateCounter[DATA.length];
    private volatile String serverId;
    /** The version of {@link #serverId}: a Lamport time and the node that set it ({@link StickTable#nextVersion}). */
    private long serverVersion;
    /**
     * The counters other nodes counted for this key, one slot per node in a list (a pair has one peer: a map would
     * cost it ~100 bytes per entry more); null until a peer reports one.
     */
    private Slot peers;
    /** Written under the table's lock; read without it by lookups. */
    volatile long expiresAt;
    /** When listeners last heard of this entry; {@link #NEVER} before the first report. */
    volatile long reportedAt = NEVER;
    private static final long NEVER = Long.MIN_VALUE;
    /** The recency list, guarded by the table's lock: {@code older} is towards eviction. */
    StickEntry older;
    StickEntry newer;

    StickEntry(StickTable table, String key, long now) {
        this.table = table;
        this.key = key;
        StickSchema schema = table.schema();
        boolean anyCount = false;
        for (StickData data : DATA) {
            if (data.kind() == StickData.Kind.RATE && schema.stores(data)) {
                rates[data.ordinal()] = new RateCounter(schema.period(data).toMillis(), now);
            }
            anyCount |= data.kind() == StickData.Kind.COUNT && schema.stores(data);
        }
        this.counts = anyCount ? new long[DATA.length] : null;
    }

    public StickTable table() {
        return table;
    }

    public String key() {
        return key;
    }

    /** The name of the server this key sticks to, or null. */
    public String serverId() {
        return serverId;
    }

    /** The value of {@code data} now: a count, a rate over its period; 0 when the table does not store it. */
    public long read(StickData data) {
        return read(data, table.now());
    }

    long read(StickData data, long now) {
        return switch (data.kind()) {
            case SERVER -> 0;
            case COUNT -> {
                if (counts == null) {
                    yield 0;
                }
                synchronized (this) {
                    long sum = counts[data.ordinal()];
                    for (Slot peer = peers; peer != null; peer = peer.next) {
                        sum += peer.counts[data.ordinal()];
                    }
                    yield sum;
                }
            }
            case RATE -> {
                RateCounter rate = rates[data.ordinal()];
                if (rate == null) {
                    yield 0;
                }
                synchronized (this) {
                    long sum = rate.rate(now);
                    for (Slot peer = peers; peer != null; peer = peer.next) {
                        sum += peer.rates[data.ordinal()].rate(now);
                    }
                    yield sum;
                }
            }
        };
    }

    /** One node's share of the counters (shaped like the entry's own): what the pair counts is the sum over the nodes. */
    private static final class Slot {
        final String node;
        final long[] counts;
        final RateCounter[] rates = new RateCounter[DATA.length];
        final Slot next;

        Slot(String node, long[] counts, Slot next) {
            this.node = node;
            this.counts = counts;
            this.next = next;
        }
    }

    /** True when the entry was never reported, or last reported at least {@code interval} ago. */
    boolean reportDue(long now, long interval) {
        long last = reportedAt;
        return last == NEVER || interval != Long.MAX_VALUE && now - last >= interval;
    }

    boolean expired(long now) {
        return now >= expiresAt;
    }

    /** Counts {@code event}; true when the table stores one of its counters (so the entry changed). */
    boolean count(StickEvent event, long now) {
        boolean cnt = table.schema().stores(event.count());
        RateCounter rate = rates[event.rate().ordinal()];
        if (!cnt && rate == null) {
            return false;
        }
        synchronized (this) {
            if (cnt) {
                counts[event.count().ordinal()]++;
            }
            if (rate != null) {
                rate.add(now, 1);
            }
        }
        return true;
    }

    /** Sets the server; true when it changed, and then the change gets the table's next version. */
    boolean setServerId(String server) {
        synchronized (this) {
            if (server.equals(serverId)) {
                return false;
            }
            serverId = server;
            serverVersion = table.nextVersion();
            return true;
        }
    }

    /** This node's counters (the ones it counted itself), with the server and its version. */
    synchronized StickUpdate snapshot(long now) {
        return snapshot(counts, rates, now);
    }

    /** Every other node's counters by node name, each with this entry's server: what a joining node needs too. */
    synchronized java.util.Map<String, StickUpdate> peerSnapshots(long now) {
        if (peers == null) {
            return java.util.Map.of();
        }
        java.util.Map<String, StickUpdate> all = new java.util.TreeMap<>();
        for (Slot slot = peers; slot != null; slot = slot.next) {
            all.put(slot.node, snapshot(slot.counts, slot.rates, now));
        }
        return all;
    }

    private StickUpdate snapshot(long[] counts, RateCounter[] rates, long now) {
        java.util.List<StickUpdate.Value> values = new java.util.ArrayList<>();
        for (StickData data : table.schema().stored()) {
            switch (data.kind()) {
                case COUNT -> values.add(new StickUpdate.Value(data, counts[data.ordinal()], 0, 0));
                case RATE -> {
                    RateCounter rate = rates[data.ordinal()];
                    values.add(new StickUpdate.Value(data, rate.current(now), rate.previous(now), rate.age(now)));
                }
                default -> { }
            }
        }
        long expiresIn = expiresAt == Long.MAX_VALUE ? Long.MAX_VALUE : Math.max(0, expiresAt - now);
        return new StickUpdate(key, serverId, expiresIn, values, serverVersion);
    }

    /**
     * Takes {@code update}'s server when its version is not older than the one held (an unversioned one always), and its counters as node
     * {@code node}'s share (null: as this node's own, e.g. its own counters handed back after a restart).
     */
    synchronized void apply(String node, StickUpdate update, long now) {
        if (update.serverId() != null
                && (update.serverVersion() == 0 || update.serverVersion() >= serverVersion)) {
            serverId = update.serverId();
            serverVersion = update.serverVersion();
        }
        long[] intoCounts = counts;
        RateCounter[] intoRates = rates;
        if (node != null) {
            Slot slot = slot(node, now);
            intoCounts = slot.counts;
            intoRates = slot.rates;
        }
        for (StickUpdate.Value value : update.values()) {
            StickData data = value.data();
            switch (data.kind()) {
                case COUNT -> {
                    if (table.schema().stores(data)) {
                        intoCounts[data.ordinal()] = Math.max(0, value.current());
                    }
                }
                case RATE -> {
                    RateCounter rate = intoRates[data.ordinal()];
                    if (rate != null) {
                        rate.set(now, value.current(), value.previous(), value.periodAgeMillis());
                    }
                }
                default -> { }
            }
        }
    }

    /** Node {@code node}'s slot, added when it has none yet. */
    private Slot slot(String node, long now) {
        for (Slot slot = peers; slot != null; slot = slot.next) {
            if (slot.node.equals(node)) {
                return slot;
            }
        }
        Slot slot = new Slot(node, counts == null ? null : new long[DATA.length], peers);
        for (StickData data : DATA) {
            if (rates[data.ordinal()] != null) {
                slot.rates[data.ordinal()] = new RateCounter(rates[data.ordinal()].period(), now);
            }
        }
        peers = slot;
        return slot;
    }

    @Override
    public String toString() {
        return "key=" + key + (serverId == null ? "" : " server_id=" + serverId);
    }
}
