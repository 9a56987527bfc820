package io.tandem.core.metrics;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * What every proxied section counts, L4 or L7: connections open and accepted, bytes each way, failed connects to
 * servers and the attempts made again after them (on the same server, or redispatched to another), and the servers
 * the balancer picked. Written by the data path on every event loop without locks or allocation
 * ({@link LongAdder}); read at any time, each value on its own. {@link HttpCounters} and the L4 counters add what
 * is particular to their tier.
 */
public class TrafficCounters {
    private final LongAdder active = new LongAdder();
    private final LongAdder total = new LongAdder();
    private final AtomicLong maxActive = new AtomicLong();
    private final LongAdder bytesIn = new LongAdder();
    private final LongAdder bytesOut = new LongAdder();
    private final LongAdder connectErrors = new LongAdder();
    private final LongAdder retries = new LongAdder();
    private final LongAdder redispatches = new LongAdder();
    private final LongAdder balanced = new LongAdder();

    /** Connections (UDP: flows) open now. */
    public final long activeConnections() {
        return active.sum();
    }

    /** The most connections (UDP: flows) open at once (HAProxy's {@code smax}). */
    public final long maxActiveConnections() {
        return maxActive.get();
    }

    /** Connections (UDP: flows) opened since start. */
    public final long totalConnections() {
        return total.sum();
    }

    /** Bytes from clients (towards the servers). */
    public final long bytesIn() {
        return bytesIn.sum();
    }

    /** Bytes to clients (from the servers, or answered by the proxy). */
    public final long bytesOut() {
        return bytesOut.sum();
    }

    /** Failed connects to servers (refused, timed out, unreachable); each attempt counts. */
    public final long connectErrors() {
        return connectErrors.sum();
    }

    /** Connect attempts made again on the same server after it failed (HAProxy's {@code wretr}). */
    public final long retries() {
        return retries.sum();
    }

    /** Connect attempts made again on another server after a failure (HAProxy's {@code wredis}). */
    public final long redispatches() {
        return redispatches.sum();
    }

    /** Servers the balancer picked, persistence aside: first attempts and redispatches (HAProxy's {@code lbtot}). */
    public final long balanced() {
        return balanced.sum();
    }

    public final void opened() {
        active.increment();
        total.increment();
        // Once per connection, not per request: summing the adder's few cells is cheap there.
        long now = active.sum();
        if (now > maxActive.get()) {
            maxActive.accumulateAndGet(now, Math::max);
        }
    }

    public final void closed() {
        active.decrement();
    }

    public final void addBytesIn(long n) {
        bytesIn.add(n);
    }

    public final void addBytesOut(long n) {
        bytesOut.add(n);
    }

    public final void connectError() {
        connectErrors.increment();
    }

    /**
     * The attempt after a failed connect got its server: counted in {@code section} and in {@code failed}, the
     * counters of the server that failed, as a retry when it is that server again, else as a redispatch.
     */
    public static void retried(TrafficCounters section, TrafficCounters failed, boolean sameServer) {
        if (sameServer) {
            section.retries.increment();
            failed.retries.increment();
        } else {
            section.redispatches.increment();
            failed.redispatches.increment();
        }
    }

    /** The balancer picked this section's (or server's) server. */
    public final void balancedOnce() {
        balanced.increment();
    }

    @Override
    public String toString() {
        return "active=" + activeConnections() + " total=" + totalConnections() + " in=" + bytesIn() + " out="
                + bytesOut() + " connectErrors=" + connectErrors() + " retries=" + retries() + " redispatches="
                + redispatches() + " balanced=" + balanced();
    }
}
