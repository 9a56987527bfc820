package io.tandem.core.metrics;

import java.util.concurrent.atomic.AtomicLong;

/**
 * What every proxied section counts, L4 or L7: connections open and accepted, bytes each way, failed connects to
 * servers and the attempts made again after them (on the same server, or redispatched to another), and the servers
 * the balancer picked. Written by the data path on every event loop, each loop in cells of its own ({@link Cells}:
 * no locks, no atomics, nothing allocated per count); read at any time, each value on its own.
 * {@link HttpCounters} and the L4 counters add what is particular to their tier.
 */
public class TrafficCounters {
    /** The cells this class takes; a subclass's come after them. */
    static final int CELLS = 8;
    private static final int ACTIVE = 0;
    private static final int TOTAL = 1;
    private static final int BYTES_IN = 2;
    private static final int BYTES_OUT = 3;
    private static final int CONNECT_ERRORS = 4;
    private static final int RETRIES = 5;
    private static final int REDISPATCHES = 6;
    private static final int BALANCED = 7;

    final Cells cells;
    private final AtomicLong maxActive = new AtomicLong();

    public TrafficCounters() {
        this(0);
    }

    /** Counters whose cells hold {@code extraCells} more for the subclass, from {@link #CELLS} on. */
    TrafficCounters(int extraCells) {
        cells = new Cells(CELLS + extraCells);
    }

    /** Connections (UDP: flows) open now. */
    public final long activeConnections() {
        return cells.sum(ACTIVE);
    }

    /** The most connections (UDP: flows) open at once (HAProxy's {@code smax}). */
    public final long maxActiveConnections() {
        return maxActive.get();
    }

    /** Connections (UDP: flows) opened since start. */
    public final long totalConnections() {
        return cells.sum(TOTAL);
    }

    /** Bytes from clients (towards the servers). */
    public final long bytesIn() {
        return cells.sum(BYTES_IN);
    }

    /** Bytes to clients (from the servers, or answered by the proxy). */
    public final long bytesOut() {
        return cells.sum(BYTES_OUT);
    }

    /** Failed connects to servers (refused, timed out, unreachable); each attempt counts. */
    public final long connectErrors() {
        return cells.sum(CONNECT_ERRORS);
    }

    /** Connect attempts made again on the same server after it failed (HAProxy's {@code wretr}). */
    public final long retries() {
        return cells.sum(RETRIES);
    }

    /** Connect attempts made again on another server after a failure (HAProxy's {@code wredis}). */
    public final long redispatches() {
        return cells.sum(REDISPATCHES);
    }

    /** Servers the balancer picked, persistence aside: first attempts and redispatches (HAProxy's {@code lbtot}). */
    public final long balanced() {
        return cells.sum(BALANCED);
    }

    public final void opened() {
        long[] mine = cells.mine();
        Cells.add(mine, ACTIVE, 1);
        Cells.add(mine, TOTAL, 1);
        // Once per connection, not per request: summing the loops' cells and an atomic maximum are cheap there.
        long now = cells.sum(ACTIVE);
        if (now > maxActive.get()) {
            maxActive.accumulateAndGet(now, Math::max);
        }
    }

    public final void closed() {
        Cells.add(cells.mine(), ACTIVE, -1);
    }

    public final void addBytesIn(long n) {
        Cells.add(cells.mine(), BYTES_IN, n);
    }

    public final void addBytesOut(long n) {
        Cells.add(cells.mine(), BYTES_OUT, n);
    }

    /** Counts an exchange's bytes in {@code block}, the calling thread's block of these counters' cells. */
    final void addBytes(long[] block, long in, long out) {
        Cells.add(block, BYTES_IN, in);
        Cells.add(block, BYTES_OUT, out);
    }

    public final void connectError() {
        Cells.add(cells.mine(), CONNECT_ERRORS, 1);
    }

    /**
     * The attempt after a failed connect got its server: counted in {@code section} and in {@code failed}, the
     * counters of the server that failed, as a retry when it is that server again, else as a redispatch.
     */
    public static void retried(TrafficCounters section, TrafficCounters failed, boolean sameServer) {
        int cell = sameServer ? RETRIES : REDISPATCHES;
        Cells.add(section.cells.mine(), cell, 1);
        Cells.add(failed.cells.mine(), cell, 1);
    }

    /** The balancer picked this section's (or server's) server. */
    public final void balancedOnce() {
        Cells.add(cells.mine(), BALANCED, 1);
    }

    @Override
    public String toString() {
        return "active=" + activeConnections() + " total=" + totalConnections() + " in=" + bytesIn() + " out="
                + bytesOut() + " connectErrors=" + connectErrors() + " retries=" + retries() + " redispatches="
                + redispatches() + " balanced=" + balanced();
    }
}
