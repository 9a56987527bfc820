package io.tandem.vrrp.runtime;

import io.tandem.vrrp.io.Announcement;
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
    private final Addresses<?> addresses;

    /** The sender and the addresses it announces, of one family. */
    private record Addresses<A extends InetAddress>(Announcement<A> sender, List<A> list) {
        static <A extends InetAddress> Addresses<A> of(Announcement<A> sender, List<InetAddress> all, Class<A> family) {
            return new Addresses<>(sender, all.stream().map(family::cast).toList());
        }

        void announce(int repeat, Duration interval) throws IOException, InterruptedException {
            sender.announce(list, repeat, interval);
        }
    }

    private Announcer(String instance, Addresses<?> addresses) {
        this.instance = instance;
        this.addresses = addresses;
    }

    /** Opens the socket for {@code addresses} (all IPv4 or all IPv6) on {@code iface}. */
    static Announcer open(String instance, String iface, boolean ipv4, List<InetAddress> addresses)
            throws IOException {
        return new Announcer(instance, ipv4 ? Addresses.of(GratuitousArp.open(iface), addresses, Inet4Address.class)
                : Addresses.of(NeighborAdvertisement.open(iface), addresses, Inet6Address.class));
    }

    /** Announces every address {@code repeat} times, {@code interval} apart. */
    void announce(int repeat, Duration interval) {
        try {
            addresses.announce(repeat, interval);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "vrrp " + instance + ": announcement failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        addresses.sender().close();
    }
}
