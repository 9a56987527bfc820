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
    private final long[] counts = new long[DATA.length];
    private final RateCounter[] rates = new RateCounter[DATA.length];
    private volatile String serverId;
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
        for (StickData data : DATA) {
            if (data.kind() == StickData.Kind.RATE && schema.stores(data)) {
                rates[data.ordinal()] = new RateCounter(schema.period(data).toMillis(), now);
            }
        }
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
                synchronized (this) {
                    yield counts[data.ordinal()];
                }
            }
            case RATE -> {
                RateCounter rate = rates[data.ordinal()];
                if (rate == null) {
                    yield 0;
                }
                synchronized (this) {
                    yield rate.rate(now);
                }
            }
        };
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

    /** Sets the server; true when it changed. */
    boolean setServerId(String server) {
        synchronized (this) {
            if (server.equals(serverId)) {
                return false;
            }
            serverId = server;
            return true;
        }
    }

    synchronized StickUpdate snapshot(long now) {
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
        return new StickUpdate(key, serverId, expiresIn, values);
    }

    synchronized void apply(StickUpdate update, long now) {
        if (update.serverId() != null) {
            serverId = update.serverId();
        }
        for (StickUpdate.Value value : update.values()) {
            StickData data = value.data();
            switch (data.kind()) {
                case COUNT -> {
                    if (table.schema().stores(data)) {
                        counts[data.ordinal()] = Math.max(0, value.current());
                    }
                }
                case RATE -> {
                    RateCounter rate = rates[data.ordinal()];
                    if (rate != null) {
                        rate.set(now, value.current(), value.previous(), value.periodAgeMillis());
                    }
                }
                default -> { }
            }
        }
    }

    @Override
    public String toString() {
        return "key=" + key + (serverId == null ? "" : " server_id=" + serverId);
    }
}
