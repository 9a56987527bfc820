package io.tandem.l4;

import java.util.concurrent.atomic.LongAdder;

/**
 * Traffic counters of one service or one server of a service (not exposed yet: there is no stats endpoint).
 * Connections are flows for UDP; {@code bytesIn} is client to server, {@code bytesOut} server to client. Written by
 * the data path on every event loop without locks ({@link LongAdder}); read at any time, each value on its own.
 */
public final class L4Counters {
    private final LongAdder active = new LongAdder();
    private final LongAdder total = new LongAdder();
    private final LongAdder bytesIn = new LongAdder();
    private final LongAdder bytesOut = new LongAdder();
    private final LongAdder connectErrors = new LongAdder();
    private final LongAdder droppedDatagrams = new LongAdder();
    private final LongAdder expiredFlows = new LongAdder();

    /** Connections (flows) open now. */
    public long activeConnections() {
        return active.sum();
    }

    /** Connections (flows) opened since start. */
    public long totalConnections() {
        return total.sum();
    }

    /** Bytes from clients to servers (UDP: payload bytes). */
    public long bytesIn() {
        return bytesIn.sum();
    }

    /** Bytes from servers to clients. */
    public long bytesOut() {
        return bytesOut.sum();
    }

    /** Failed connects to servers (refused, timed out, unreachable); each retry counts. */
    public long connectErrors() {
        return connectErrors.sum();
    }

    /** UDP datagrams dropped: flow table full, no usable server, or the reply path was full. */
    public long droppedDatagrams() {
        return droppedDatagrams.sum();
    }

    /** UDP flows that ended after {@code timeout client} without a datagram either way. */
    public long expiredFlows() {
        return expiredFlows.sum();
    }

    void opened() {
        active.increment();
        total.increment();
    }

    void closed() {
        active.decrement();
    }

    void addBytesIn(long n) {
        bytesIn.add(n);
    }

    void addBytesOut(long n) {
        bytesOut.add(n);
    }

    void connectError() {
        connectErrors.increment();
    }

    void droppedDatagram() {
        droppedDatagrams.increment();
    }

    void expiredFlow() {
        expiredFlows.increment();
    }

    @Override
    public String toString() {
        return "active=" + activeConnections() + " total=" + totalConnections() + " in=" + bytesIn() + " out="
                + bytesOut() + " connectErrors=" + connectErrors() + " dropped=" + droppedDatagrams();
    }
}
