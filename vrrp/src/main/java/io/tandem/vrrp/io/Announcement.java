package io.tandem.vrrp.io;

import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Collection;
import java.util.List;

/**
 * Tells the neighbours on a link that this node now answers for some addresses, one message per address:
 * {@link GratuitousArp} for IPv4, {@link NeighborAdvertisement} for IPv6. {@link #announce} sleeps between rounds:
 * call it from a plain thread.
 */
public interface Announcement<A extends InetAddress> extends AutoCloseable {
    /** Sends one message for {@code vip}. */
    void send(A vip) throws IOException;

    /** The MAC of the interface, which every message names as the address's new owner. */
    byte[] macAddress();

    /**
     * Sends {@code repeat} rounds, {@code interval} apart (no pause after the last), of one message per address
     * (keepalived's garp_master_repeat and the interval between them). Blocks for (repeat - 1) × interval.
     */
    default void announce(Collection<A> vips, int repeat, Duration interval) throws IOException, InterruptedException {
        for (int i = 0; i < repeat; i++) {
            if (i > 0) {
                Thread.sleep(interval.toMillis());
            }
            for (A vip : vips) {
                send(vip);
            }
        }
    }

    /** {@link #announce(Collection, int, Duration)} for one address. */
    default void announce(A vip, int repeat, Duration interval) throws IOException, InterruptedException {
        announce(List.of(vip), repeat, interval);
    }

    @Override
    void close();
}
