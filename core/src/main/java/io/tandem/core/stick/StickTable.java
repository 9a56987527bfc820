package io.tandem.core.stick;

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
 * <p>For copies on other nodes: {@link #addListener} reports every local change a peer must see (an entry created, its
 * server or counters changed, its expiry refreshed, an entry removed, the table cleared), {@link #snapshot}
 * captures an entry and {@link #apply} installs a peer's copy. A touch that only refreshes an entry's expiry is
 * reported at most once per {@link #refreshReportMillis} for that entry: a peer's copy then never expires more than
 * that much before the original, and a busy key does not cost a message per request. Entries that expire or are
 * evicted are not reported: each node expires and evicts on its own.
 *
 * <p>{@link #reconfigure} changes {@code size} and {@code expire} in place, so a recompile keeps the entries.
 */
public final class StickTable {
    private static final StickTableListener[] NO_LISTENERS = new StickTableListener[0];
    /** The longest a refreshed entry waits to be reported again. */
    private static final long REFRESH_REPORT_MILLIS = 1000;
    /** The most entries {@link #applyAll} installs under one hold of the lock. */
    private static final int APPLY_RUN = 64;

    private final String name;
    private final StickKeyType type;
    /** Both written under {@link #lock} by {@link #reconfigure}; read without it by the getters. */
    private volatile long capacity;
    private volatile long expireMillis;
    private final StickSchema schema;
    private final LongSupplier clock;
    private final ConcurrentHashMap<String, StickEntry> entries = new ConcurrentHashMap<>();
    /** Guards the recency list and every insertion and removal. */
    private final Object lock = new Object();
    private StickEntry oldest;
    private StickEntry newest;
    private int size;
    private volatile StickTableListener[] listeners = NO_LISTENERS;
    /** The Lamport clock of server versions: above every version this table made or applied. */
    private final java.util.concurrent.atomic.AtomicLong versionClock = new java.util.concurrent.atomic.AtomicLong();
    /** Which node makes this table's versions (low bits of each), so two nodes never make the same version. */
    private volatile int versionNode;

    /**
     * A table; {@code expire} null means entries never expire (they are only evicted when the table is full);
     * {@code clockMillis} is a monotonic clock in milliseconds.
     */
    public StickTable(String name, StickKeyType type, long size, Duration expire, StickSchema schema,
                      LongSupplier clockMillis) {
        this.name = name;
        this.type = type;
        this.capacity = checkedSize(size);
        this.expireMillis = expireMillis(expire);
        this.schema = schema;
        this.clock = clockMillis;
    }

    /**
     * The table a {@code stick-table} block describes with its parsed {@code schema}, named after its frontend or
     * backend, on the monotonic system clock.
     */
    public static StickTable create(String name, StickTableConfig config, StickSchema schema) {
        return new StickTable(name, StickKeyType.named(config.type()), config.size(), config.expire(), schema,
                () -> System.nanoTime() / 1_000_000);
    }

    /** True when a recompiled {@code config} with {@code schema} keeps this table: the same key type and store. */
    public boolean sameKind(StickTableConfig config, StickSchema schema) {
        return type == StickKeyType.named(config.type()) && this.schema.equals(schema);
    }

    public String name() {
        return name;
    }

    public StickKeyType type() {
        return type;
    }

    private static long checkedSize(long size) {
        if (size < 1) {
            throw new IllegalArgumentException("stick-table size must be at least 1");
        }
        return size;
    }

    private static long expireMillis(Duration expire) {
        return expire == null || expire.isZero() ? Long.MAX_VALUE : expire.toMillis();
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

    /**
     * The least time between two reports of one entry whose expiry a touch only refreshed: a tenth of
     * {@code expire}, at most a second; {@link Long#MAX_VALUE} when entries never expire (a refresh changes
     * nothing a peer keeps).
     */
    public long refreshReportMillis() {
        long expire = expireMillis;
        return expire == Long.MAX_VALUE ? Long.MAX_VALUE : Math.max(1, Math.min(REFRESH_REPORT_MILLIS, expire / 10));
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
     * used. Creating an entry in a full table evicts the least recently touched one. Listeners hear of a created
     * entry, and of a refreshed one when its last report is {@link #refreshReportMillis} old.
     */
    public StickEntry touch(String key) {
        long now = now();
        StickEntry entry = touch(key, now);
        if (entry.reportDue(now, refreshReportMillis())) {
            fire(entry, now);
        }
        return entry;
    }

    private StickEntry touch(String key, long now) {
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
        long now = now();
        if (entry.count(event, now)) {
            fire(entry, now);
        }
    }

    /** Makes {@code entry} stick to {@code server}; the listeners hear of it when the server changed. */
    public void setServerId(StickEntry entry, String server) {
        if (entry.setServerId(server)) {
            fire(entry, now());
        }
    }

    /**
     * HAProxy's {@code stick store}: touches {@code key} and makes it stick to {@code server}, with one report
     * when the entry is new, its server changed or its refresh is due.
     */
    public StickEntry stick(String key, String server) {
        long now = now();
        StickEntry entry = touch(key, now);
        boolean changed = entry.setServerId(server);
        if (changed || entry.reportDue(now, refreshReportMillis())) {
            fire(entry, now);
        }
        return entry;
    }

    /** Removes {@code key}'s entry; true (and the listeners told) when there was a live one. */
    public boolean remove(String key) {
        long now = now();
        boolean removed;
        synchronized (lock) {
            StickEntry entry = entries.get(key);
            removed = entry != null && !entry.expired(now);
            if (entry != null) {
                remove(entry);
            }
        }
        if (removed) {
            for (StickTableListener listener : listeners) {
                listener.entryRemoved(this, key);
            }
        }
        return removed;
    }

    /** Removes every entry and tells the listeners once. */
    public void clear() {
        synchronized (lock) {
            entries.clear();
            oldest = null;
            newest = null;
            size = 0;
        }
        for (StickTableListener listener : listeners) {
            listener.cleared(this);
        }
    }

    /**
     * Takes a recompiled {@code stick-table}'s {@code size} and {@code expire} (null: never) while keeping the
     * entries: a smaller table evicts its least recently touched entries, a shorter expiry shortens the entries'
     * lives to at most the new one from now. Not reported: each node applies its own config.
     */
    public void reconfigure(long newSize, Duration expire) {
        long newCapacity = checkedSize(newSize);
        long newExpire = expireMillis(expire);
        long now = now();
        synchronized (lock) {
            capacity = newCapacity;
            expireMillis = newExpire;
            while (size > capacity) {
                remove(oldest);
            }
            if (newExpire != Long.MAX_VALUE) {
                long latest = now + newExpire;
                for (StickEntry entry : entries.values()) {
                    entry.expiresAt = Math.min(entry.expiresAt, latest);
                }
            }
        }
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

    /**
     * Makes the versions of this table's server changes carry {@code node} (a number below 2^16 that differs
     * between the nodes sharing the table), so that concurrent changes on two nodes are ordered the same way on
     * both: the higher Lamport time wins, then the higher node.
     */
    public void versionNode(int node) {
        versionNode = node & 0xFFFF;
    }

    long nextVersion() {
        return versionClock.incrementAndGet() << 16 | versionNode;
    }

    /** {@code entry}'s state now, for a peer. */
    public StickUpdate snapshot(StickEntry entry) {
        return entry.snapshot(now());
    }

    /** The shares of {@code entry}'s counters that other nodes counted, by node name (see {@link #apply(String, StickUpdate)}). */
    public java.util.Map<String, StickUpdate> peerSnapshots(StickEntry entry) {
        return entry.peerSnapshots(now());
    }

    /** The entries held, expired ones not yet purged included (a weakly consistent view, read while it changes). */
    public Iterable<StickEntry> entries() {
        return entries.values();
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
        apply(null, update);
    }

    /**
     * Like {@link #apply(StickUpdate)}, with {@code update}'s counters kept as node {@code node}'s share: reads sum
     * this node's counts and every peer's, so a rate limit holds for the pair as a whole. Of two server changes the
     * one with the higher {@link StickUpdate#serverVersion} wins, whichever arrives first.
     */
    public void apply(String node, StickUpdate update) {
        applyAll(node, List.of(update));
    }

    /**
     * {@link #apply(String, StickUpdate)} for many of node {@code node}'s updates at once (a state transfer's): the
     * lock is taken once for each run of {@link #APPLY_RUN} entries rather than twice for each, so that a million
     * entries go in at memory speed, while a request that touches the table meanwhile waits for one run at most.
     */
    public void applyAll(String node, List<StickUpdate> updates) {
        long clock = 0;
        for (StickUpdate update : updates) {
            clock = Math.max(clock, update.serverVersion() >>> 16);
        }
        versionClock.accumulateAndGet(clock, Math::max);
        long now = now();
        StickEntry[] run = new StickEntry[Math.min(updates.size(), APPLY_RUN)];
        for (int from = 0; from < updates.size(); from += APPLY_RUN) {
            int to = Math.min(updates.size(), from + APPLY_RUN);
            synchronized (lock) {
                for (int i = from; i < to; i++) {
                    StickUpdate update = updates.get(i);
                    StickEntry entry = touch(update.key(), now);
                    long expiresIn = Math.min(update.expiresInMillis(), expireMillis);
                    entry.expiresAt = expiresIn == Long.MAX_VALUE ? Long.MAX_VALUE : now + Math.max(0, expiresIn);
                    run[i - from] = entry;
                }
            }
            for (int i = from; i < to; i++) {
                run[i - from].apply(node, updates.get(i), now);
            }
        }
    }

    private void fire(StickEntry entry, long now) {
        entry.reportedAt = now;
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
