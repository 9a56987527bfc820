package io.tandem.l4;

import io.tandem.core.metrics.TrafficCounters;

import java.util.concurrent.atomic.LongAdder;

/**
 * Traffic counters of one service or one server of a service, filed in the runtime state under
 * {@link io.tandem.core.metrics.CounterKeys} names and exposed by the metrics endpoint. Connections are flows for
 * UDP; {@code bytesIn} is client to server, {@code bytesOut} server to client; UDP adds its drops and expiries.
 */
public final class L4Counters extends TrafficCounters {
    private final LongAdder droppedDatagrams = new LongAdder();
    private final LongAdder expiredFlows = new LongAdder();

    /** UDP datagrams dropped: flow table full, no usable server, or the reply path was full. */
    public long droppedDatagrams() {
        return droppedDatagrams.sum();
    }

    /** UDP flows that ended after {@code timeout client} without a datagram either way. */
    public long expiredFlows() {
        return expiredFlows.sum();
    }

    void droppedDatagram() {
        droppedDatagrams.increment();
    }

    void expiredFlow() {
        expiredFlows.increment();
    }

    @Override
    public String toString() {
        return super.toString() + " dropped=" + droppedDatagrams();
    }
}
