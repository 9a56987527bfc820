package io.tandem.core.metrics;

import java.util.concurrent.atomic.LongAdder;

/**
 * What every proxied section counts, L4 or L7: connections open and accepted, bytes each way, failed connects to
 * servers and the retries after them. Written by the data path on every event loop without locks or allocation
 * ({@link LongAdder}); read at any time, each value on its own. {@link HttpCounters} and the L4 counters add what
 * is particular to their tier.
 */
public class TrafficCounters {
    private final LongAdder active = new LongAdder();
    private final LongAdder total = new LongAdder();
    private final LongAdder bytesIn = new LongAdder();
    private final LongAdder bytesOut = new LongAdder();
    private final LongAdder connectErrors = new LongAdder();
    private final LongAdder retries = new LongAdder();

    /** Connections (UDP: flows) open now. */
    public final long activeConnections() {
        return active.sum();
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

    /** Connect attempts made again after a failure (HAProxy's {@code wretr}). */
    public final long retries() {
        return retries.sum();
    }

    public final void opened() {
        active.increment();
        total.increment();
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

    public final void retry() {
        retries.increment();
    }

    @Override
    public String toString() {
        return "active=" + activeConnections() + " total=" + totalConnections() + " in=" + bytesIn() + " out="
                + bytesOut() + " connectErrors=" + connectErrors() + " retries=" + retries();
    }
}
