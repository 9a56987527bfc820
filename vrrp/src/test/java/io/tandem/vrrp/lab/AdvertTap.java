package io.tandem.vrrp.lab;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import io.tandem.vrrp.io.PacketReceiver;
import io.tandem.vrrp.io.RawIpSocket;

/**
 * Counts the VRRP adverts an observer node sees on the lab's wire, by sender, VRID and priority: the clock for a
 * test that asserts something did not happen, whose window is then "N adverts" rather than a sleep.
 */
public final class AdvertTap implements AutoCloseable {
    private final PacketReceiver receiver;
    private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();

    private AdvertTap(RawIpSocket socket) {
        this.receiver = PacketReceiver.start(socket, packet -> {
            byte[] p = packet.payload();
            if (p.length >= 3) {
                count(packet.source().getHostAddress(), p[1] & 0xFF, p[2] & 0xFF).incrementAndGet();
            }
        }, e -> { });
    }

    /** Listens for IPv4 multicast adverts on {@code node}'s eth0. */
    public static AdvertTap on(Lab lab, Lab.Node node) throws Exception {
        return new AdvertTap(lab.inNamespace(node, () -> {
            RawIpSocket socket = RawIpSocket.open(Lab.IFACE, RawIpSocket.PROTO_VRRP, RawIpSocket.Family.V4);
            socket.joinMulticast(RawIpSocket.VRRP_GROUP_V4);
            return socket;
        }));
    }

    /** Adverts seen so far from {@code node} for {@code vrid} at {@code priority}. */
    public int count(Lab.Node node, int vrid, int priority) {
        return count(node.ip(), vrid, priority).get();
    }

    /**
     * Waits for {@code adverts} more adverts from {@code node} for {@code vrid} at {@code priority}, checking
     * {@code invariant} all along; fails when the invariant breaks or the adverts do not come (one a second at the
     * slowest, and a margin for a loaded machine).
     */
    public void during(Lab.Node node, int vrid, int priority, int adverts, String invariantName,
                       BooleanSupplier invariant) throws InterruptedException {
        int target = count(node, vrid, priority) + adverts;
        long deadline = System.nanoTime() + Duration.ofSeconds(10L + adverts).toNanos();
        while (count(node, vrid, priority) < target) {
            if (!invariant.getAsBoolean()) {
                fail(invariantName + " broke after " + (count(node, vrid, priority) - target + adverts)
                        + " of " + adverts + " adverts from " + node + " (vrid " + vrid + ", priority " + priority + ")");
            }
            if (System.nanoTime() - deadline > 0) {
                fail("only " + (count(node, vrid, priority) - target + adverts) + " of " + adverts + " adverts from "
                        + node + " (vrid " + vrid + ", priority " + priority + ") arrived; seen: " + counts);
            }
            Thread.sleep(10);
        }
        if (!invariant.getAsBoolean()) {
            fail(invariantName + " broke by the end of " + adverts + " adverts from " + node);
        }
    }

    private AtomicInteger count(String source, int vrid, int priority) {
        return counts.computeIfAbsent(source + " vrid " + vrid + " priority " + priority, k -> new AtomicInteger());
    }

    @Override
    public void close() {
        receiver.close();
    }
}
