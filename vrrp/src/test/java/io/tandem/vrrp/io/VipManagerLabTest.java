package io.tandem.vrrp.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.tandem.vrrp.lab.Lab;

/** Virtual addresses added and removed over rtnetlink in one namespace, seen from another. */
@Timeout(30)
class VipManagerLabTest {
    private static Lab lab;
    private static VipManager vips;
    private static final Vip VIP = Vip.parse(Lab.VIP + "/24");

    @BeforeAll
    static void createLab() {
        lab = Lab.create(3);
        try {
            vips = lab.inNamespace(lab.a(), VipManager::open); // its netlink socket stays in A's namespace
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @AfterAll
    static void removeLab() {
        if (vips != null) {
            vips.close();
        }
        if (lab != null) {
            lab.close();
        }
    }

    @Test
    void vipAddedInOneNamespaceIsReachableFromAnother() throws Exception {
        assertTrue(vips.add(Lab.IFACE, VIP, "eth0:vip"));
        assertFalse(vips.add(Lab.IFACE, VIP), "adding it again is not an error");
        assertTrue(vips.holds(Lab.IFACE, VIP.address()));
        assertTrue(lab.ipOk(lab.a().ns(), "-4", "addr", "show", "dev", "eth0").contains("eth0:vip"), "label");
        assertTrue(lab.ping(lab.c(), Lab.VIP, Duration.ofSeconds(2)), "C reaches the VIP on A");

        assertTrue(vips.remove(Lab.IFACE, VIP));
        assertFalse(vips.remove(Lab.IFACE, VIP), "removing it again is not an error");
        assertFalse(vips.holds(Lab.IFACE, VIP.address()));
        assertFalse(lab.ping(lab.c(), Lab.VIP, Duration.ofSeconds(1)), "C no longer reaches the VIP");
    }

    @Test
    void removeStaleTakesAwayWhatAPreviousRunLeft() throws Exception {
        Vip other = Vip.parse("198.18.0.101/24");
        lab.ipOk(lab.a().ns(), "addr", "add", VIP.toString(), "dev", Lab.IFACE); // a crashed run's VIP
        assertEquals(List.of(VIP), vips.removeStale(Lab.IFACE, List.of(VIP, other)));
        assertFalse(vips.holds(Lab.IFACE, VIP.address()));
        assertTrue(vips.holds(Lab.IFACE, InetAddress.getByName(lab.a().ip())), "the node's own address stays");
        assertEquals(List.of(), vips.removeStale(Lab.IFACE, List.of(VIP, other)), "nothing left: nothing to do");
        lab.ipOk(lab.a().ns(), "addr", "add", Lab.VIP + "/32", "dev", Lab.IFACE); // the same address, by hand
        assertEquals(List.of(Vip.parse(Lab.VIP + "/32")), vips.removeStale(Lab.IFACE, List.of(VIP)),
                "removed as it was, whatever the prefix configured");
    }

    @Test
    void ipv6VipIsUsableAtOnce() throws Exception {
        Vip v6 = Vip.parse("2001:2::100/64");
        try {
            assertTrue(vips.add(Lab.IFACE, v6));
            String shown = lab.ipOk(lab.a().ns(), "-6", "addr", "show", "dev", Lab.IFACE);
            assertTrue(shown.contains("2001:2::100/64") && !shown.contains("tentative"), shown);
        } finally {
            vips.remove(Lab.IFACE, v6);
        }
    }

    @Test
    void aMissingInterfaceIsOneClearLine() {
        IOException e = assertThrows(IOException.class, () -> vips.add("nosuch0", VIP));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertTrue(e.getMessage().contains("addr add 198.18.0.100/24 dev nosuch0") && e.getMessage().contains("nosuch0\""),
                e.getMessage());
    }

    @Test
    void measuresHowLongOneAddTakes() throws Exception {
        int rounds = 50;
        long[] addNanos = new long[rounds];
        long[] removeNanos = new long[rounds];
        Vip vip = Vip.parse("198.18.0.102/24");
        for (int i = 0; i < rounds; i++) {
            long t0 = System.nanoTime();
            assertTrue(vips.add(Lab.IFACE, vip));
            long t1 = System.nanoTime();
            assertTrue(vips.remove(Lab.IFACE, vip));
            addNanos[i] = t1 - t0;
            removeNanos[i] = System.nanoTime() - t1;
        }
        Arrays.sort(addNanos);
        Arrays.sort(removeNanos);
        System.out.printf("rtnetlink addr add: median %.3f ms, max %.3f ms; addr del: median %.3f ms, max %.3f ms"
                + " (%d rounds)%n", addNanos[rounds / 2] / 1e6, addNanos[rounds - 1] / 1e6,
                removeNanos[rounds / 2] / 1e6, removeNanos[rounds - 1] / 1e6, rounds);
        assertTrue(addNanos[rounds / 2] < Duration.ofSeconds(1).toNanos(), "an add takes well under a second");
    }

    @Test
    void aManagerOpenedInANamespaceActsThereFromAnyThread() throws Exception {
        Vip vip = Vip.parse("198.18.0.103/24");
        assertTrue(vips.add(Lab.IFACE, vip), "called from the test thread, which is in the host's namespace");
        try {
            assertTrue(lab.ipOk(lab.a().ns(), "-4", "addr", "show", "dev", Lab.IFACE).contains(vip.toString()));
        } finally {
            assertTrue(vips.remove(Lab.IFACE, vip));
        }
    }

    @Test
    void aClosedManagerRefuses() throws Exception {
        VipManager closed = lab.inNamespace(lab.a(), VipManager::open);
        closed.close();
        closed.close();
        IOException e = assertThrows(IOException.class, () -> closed.holds(Lab.IFACE, VIP.address()));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }
}
