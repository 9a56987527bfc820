package io.tandem.vrrp.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.tandem.vrrp.lab.Lab;

/** Gratuitous ARP and unsolicited NA move a VIP in a neighbour's cache from the old master's MAC to the new one's. */
@Timeout(30)
class AnnouncementLabTest {
    private static Lab lab;

    @BeforeAll
    static void createLab() {
        lab = Lab.create(3);
        // Gratuitous ARP updates an existing entry anyway; arp_accept also lets it create one.
        lab.execOk(lab.c().ns(), "sysctl", "-q", "-w", "net.ipv4.conf.all.arp_accept=1");
    }

    @AfterAll
    static void removeLab() {
        if (lab != null) {
            lab.close();
        }
    }

    @Test
    void gratuitousArpUpdatesANeighboursCache() throws Exception {
        String macA = lab.mac(lab.a());
        String macB = lab.mac(lab.b());
        lab.ipOk(lab.c().ns(), "neigh", "replace", Lab.VIP, "lladdr", macA, "dev", Lab.IFACE, "nud", "stale");
        assertEquals(Optional.of(macA), lab.neighbourMac(lab.c(), Lab.VIP));

        addInB(Vip.parse(Lab.VIP + "/24"));
        Inet4Address vip = (Inet4Address) InetAddress.getByName(Lab.VIP);
        long[] sendNanos = new long[1];
        long announceNanos = lab.inNamespace(lab.b(), () -> {
            try (GratuitousArp garp = GratuitousArp.open(Lab.IFACE)) {
                assertEquals(macB, HexFormat.ofDelimiter(":").formatHex(garp.macAddress()), "MAC by SIOCGIFHWADDR");
                long t0 = System.nanoTime();
                garp.send(vip);
                sendNanos[0] = System.nanoTime() - t0;
                long t1 = System.nanoTime();
                garp.announce(vip, 3, Duration.ofMillis(100));
                return System.nanoTime() - t1;
            }
        });
        long updatedAfter = awaitNeighbour(Lab.VIP, macB);
        System.out.printf("gratuitous ARP: one send %.3f ms; announce(repeat 3, interval 100ms) %.1f ms;"
                + " C's cache already showed B's MAC at the first look after (%.1f ms, one ip neigh)%n",
                sendNanos[0] / 1e6, announceNanos / 1e6, updatedAfter / 1e6);
        assertTrue(announceNanos >= Duration.ofMillis(200).toNanos(), "three rounds 100 ms apart");
        assertTrue(lab.ping(lab.c(), Lab.VIP, Duration.ofSeconds(2)), "C reaches the VIP, now on B");
    }

    @Test
    void unsolicitedNeighbourAdvertisementUpdatesANeighboursCache() throws Exception {
        String vip6 = "2001:2::100";
        String macA = lab.mac(lab.a());
        String macB = lab.mac(lab.b());
        lab.ipOk(lab.c().ns(), "-6", "neigh", "replace", vip6, "lladdr", macA, "dev", Lab.IFACE, "nud", "stale");
        addInB(Vip.parse(vip6 + "/64"));
        lab.inNamespace(lab.b(), () -> {
            try (NeighborAdvertisement na = NeighborAdvertisement.open(Lab.IFACE)) {
                na.announce((Inet6Address) InetAddress.getByName(vip6), 2, Duration.ofMillis(50));
            }
            return null;
        });
        awaitNeighbour(vip6, macB);
    }

    private static void addInB(Vip vip) throws Exception {
        lab.inNamespace(lab.b(), () -> {
            try (VipManager vips = VipManager.open()) {
                return vips.add(Lab.IFACE, vip);
            }
        });
    }

    /** Waits until C maps {@code ip} to {@code mac}. @return nanoseconds waited */
    private static long awaitNeighbour(String ip, String mac) throws InterruptedException {
        long t0 = System.nanoTime();
        Optional<String> seen = Optional.empty();
        while (System.nanoTime() - t0 < Duration.ofSeconds(20).toNanos()) {
            seen = lab.neighbourMac(lab.c(), ip);
            if (seen.equals(Optional.of(mac))) {
                return System.nanoTime() - t0;
            }
            Thread.sleep(5);
        }
        fail("C's neighbour entry for " + ip + " is " + seen + ", not " + mac + ": "
                + lab.ipOk(lab.c().ns(), "neigh", "show", "dev", Lab.IFACE));
        return -1;
    }
}
