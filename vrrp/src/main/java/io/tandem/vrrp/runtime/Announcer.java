package io.tandem.vrrp.runtime;

import io.tandem.vrrp.io.GratuitousArp;
import io.tandem.vrrp.io.NeighborAdvertisement;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;

/**
 * Tells the LAN where the VIPs are: gratuitous ARP (IPv4) or unsolicited neighbour advertisements (IPv6). An
 * announcement blocks through its pauses: on the instance's io thread only; a failure is logged.
 */
final class Announcer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Announcer.class.getName());

    private final String instance;
    private final List<InetAddress> addresses;
    private final GratuitousArp garp;
    private final NeighborAdvertisement na;

    private Announcer(String instance, List<InetAddress> addresses, GratuitousArp garp, NeighborAdvertisement na) {
        this.instance = instance;
        this.addresses = List.copyOf(addresses);
        this.garp = garp;
        this.na = na;
    }

    /** Opens the socket for {@code addresses} (all IPv4 or all IPv6) on {@code iface}. */
    static Announcer open(String instance, String iface, boolean ipv4, List<InetAddress> addresses)
            throws IOException {
        return ipv4 ? new Announcer(instance, addresses, GratuitousArp.open(iface), null)
                : new Announcer(instance, addresses, null, NeighborAdvertisement.open(iface));
    }

    /** Announces every address {@code repeat} times, {@code interval} apart. */
    void announce(int repeat, Duration interval) {
        try {
            if (garp != null) {
                garp.announce(addresses.stream().map(a -> (Inet4Address) a).toList(), repeat, interval);
            } else {
                na.announce(addresses.stream().map(a -> (Inet6Address) a).toList(), repeat, interval);
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "vrrp " + instance + ": announcement failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        if (garp != null) {
            garp.close();
        } else {
            na.close();
        }
    }
}
