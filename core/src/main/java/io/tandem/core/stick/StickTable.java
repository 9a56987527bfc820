package io.tandem.core.stick;

import io.tandem.core.config.ConfigError;
import io.tandem.core.config.StickTableConfig;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * A stick table: at most {@code size} entries keyed by a normalised key ({@link StickKeyType}), each living
 * {@code expire} past its last touch and holding the data of its {@link StickSchema}.
 *
 * <p>Like HAProxy, a full table makes room by dropping the least recently touched entry, and expired entries
 * are dropped as new ones arrive (and by {@link #purgeExpired}), so memory never grows past {@code size}.
 * Lookups are lock-free; a touch (create or refresh) takes one short lock to keep the recency order exact.
 *
 * <p>For copies on other nodes: {@link #addListener} reports local changes, {@link #snapshot} captures an entry
 * and {@link #apply} installs a peer's copy.
 */
public final class StickTable {
    private static final StickTableListener[] NO_LISTENERS = new StickTableListener[0];

    private final String name;
    private final StickKeyType type;
    private final long capacity;
    private final long expireMillis;
    private final StickSchema schema;
    private final LongSupplier clock;
    private final ConcurrentHashMap<String, StickEntry> entries = new ConcurrentHashMap<>();
    /** Guards the recency list and every insertion and removal. */
    private final Object lock = new Object();
    private StickEntry oldest;
    private StickEntry newest;
    private int size;
    private volatile StickTableListener[] listeners = NO_LISTENERS;

    /**
     * A table; {@code expire} null means entries never expire (they are only evicted when the table is full);
     * {@code clockMillis} is a monotonic clock in milliseconds.
     */
    public StickTable(String name, StickKeyType type, long size, Duration expire, StickSchema schema,
                      LongSupplier clockMillis) {
        if (size < 1) {
            throw new IllegalArgumentException("stick-table size must be at least 1");
        }
        this.name = name;
        this.type = type;
        this.capacity = size;
        this.expireMillis = expire == null || expire.isZero() ? Long.MAX_VALUE : expire.toMillis();
        this.schema = schema;
        this.clock = clockMillis;
    }

    /**
     * The table a {@code stick-table} block describes, named after its frontend or backend, on the monotonic
     * system clock. Bad {@code store} items are reported; the table stores the others.
     */
    public static StickTable create(String name, StickTableConfig config, List<ConfigError> errors) {
        StickSchema schema = StickSchema.parse(config.store(), errors);
        return new StickTable(name, StickKeyType.named(config.type()), config.size(), config.expire(), schema,
                () -> System.nanoTime() / 1_000_000);
    }

    public String name() {
        return name;
    }

    public StickKeyType type() {
        return type;
    }

    /** The most entries the table holds ({@code size}). */
    public long capacity() {
        return capacity;
    }

    /** How long an entry lives past its last touch; null when entries never expire. */
    public Duration expire() {
        return expireMillis == Long.MAX_VALUE ? null : Duration.ofMillis(expireMillis);
    }

    public StickSchema schema() {
        return schema;
    }

    /** True when entries keep {@code data}. */
    public boolean stores(StickData data) {
        return schema.stores(data);
    }

    /** How many entries the table holds now (expired ones not yet purged included). */
    public int size() {
        synchronized (lock) {
            return size;
        }
    }

    long now() {
        return clock.getAsLong();
    }

    /** The live entry for {@code key}, or null; neither creates it nor refreshes its expiry or recency. */
    public StickEntry lookup(String key) {
        if (key == null) {
            return null;
        }
        StickEntry entry = entries.get(key);
        return entry == null || entry.expired(now()) ? null : entry;
    }

    /**
     * The entry for {@code key}, created when absent or expired, its expiry refreshed and made the most recently
     * used. Creating an entry in a full table evicts the least recently touched one.
     */
    public StickEntry touch(String key) {
        long now = now();
        synchronized (lock) {
            StickEntry entry = entries.get(key);
            if (entry != null && entry.expired(now)) {
                remove(entry);
                entry = null;
            }
            if (entry == null) {
                purgeExpired(now);
                while (size >= capacity) {
                    remove(oldest);
                }
                entry = new StickEntry(this, key, now);
                entries.put(key, entry);
                size++;
            } else {
                unlink(entry);
            }
            linkNewest(entry);
            entry.expiresAt = expireMillis == Long.MAX_VALUE ? Long.MAX_VALUE : now + expireMillis;
            return entry;
        }
    }

    /** Counts {@code event} in {@code entry} (its counter and rate, where stored) and tells the listeners. */
    public void count(StickEntry entry, StickEvent event) {
        if (entry.count(event, now())) {
            fire(entry);
        }
    }

    /** Makes {@code entry} stick to {@code server}; the listeners hear of it when the server changed. */
    public void setServerId(StickEntry entry, String server) {
        if (entry.setServerId(server)) {
            fire(entry);
        }
    }

    /** HAProxy's {@code stick store}: touches {@code key} and makes it stick to {@code server}. */
    public StickEntry stick(String key, String server) {
        StickEntry entry = touch(key);
        setServerId(entry, server);
        return entry;
    }

    /** Drops every expired entry; inserts do this too, so calling it only frees memory sooner. */
    public void purgeExpired() {
        long now = now();
        synchronized (lock) {
            purgeExpired(now);
        }
    }

    /** Observes local changes from now on. */
    public void addListener(StickTableListener listener) {
        synchronized (lock) {
            StickTableListener[] next = java.util.Arrays.copyOf(listeners, listeners.length + 1);
            next[listeners.length] = listener;
            listeners = next;
        }
    }

    public void removeListener(StickTableListener listener) {
        synchronized (lock) {
            listeners = java.util.Arrays.stream(listeners).filter(l -> l != listener)
                    .toArray(StickTableListener[]::new);
        }
    }

    /** {@code entry}'s state now, for a peer. */
    public StickUpdate snapshot(StickEntry entry) {
        return entry.snapshot(now());
    }

    /** Every live entry's state, for a peer that joins (a full resync). */
    public List<StickUpdate> snapshotAll() {
        long now = now();
        List<StickUpdate> all = new ArrayList<>();
        for (StickEntry entry : entries.values()) {
            if (!entry.expired(now)) {
                all.add(entry.snapshot(now));
            }
        }
        return all;
    }

    /**
     * Installs a peer's copy of an entry: creates or touches it (evicting when full), takes its server and the
     * counters this table stores, and its remaining lifetime (never longer than this table's {@code expire}).
     * Listeners are not told.
     */
    public void apply(StickUpdate update) {
        long now = now();
        StickEntry entry = touch(update.key());
        entry.apply(update, now);
        long expiresIn = Math.min(update.expiresInMillis(), expireMillis);
        synchronized (lock) {
            if (entries.get(update.key()) == entry) {
                entry.expiresAt = expiresIn == Long.MAX_VALUE ? Long.MAX_VALUE : now + Math.max(0, expiresIn);
            }
        }
    }

    private void fire(StickEntry entry) {
        for (StickTableListener listener : listeners) {
            listener.entryUpdated(this, entry);
        }
    }

    /** Drops expired entries from the old end of the recency list (touches refresh expiry, so they gather there). */
    private void purgeExpired(long now) {
        while (oldest != null && oldest.expired(now)) {
            remove(oldest);
        }
    }

    private void remove(StickEntry entry) {
        unlink(entry);
        entries.remove(entry.key(), entry);
        size--;
    }

    private void unlink(StickEntry entry) {
        if (entry.older != null) {
            entry.older.newer = entry.newer;
        } else {
            oldest = entry.newer;
        }
        if (entry.newer != null) {
            entry.newer.older = entry.older;
        } else {
            newest = entry.older;
        }
        entry.older = null;
        entry.newer = null;
    }

    private void linkNewest(StickEntry entry) {
        entry.older = newest;
        entry.newer = null;
        if (newest != null) {
            newest.newer = entry;
        } else {
            oldest = entry;
        }
        newest = entry;
    }

    @Override
    public String toString() {
        return "table " + name + " type " + type.keyword() + " size " + capacity + " store " + schema;
    }
}
