package io.tandem.appliance.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.tandem.appliance.lab.PairLab.Daemon;
import io.tandem.appliance.lab.PairLab.Node;

/**
 * Two real Tandem daemons ({@code tandem run}, child JVMs) in namespaces a (priority 150) and b (100), VRRPv3 every
 * 100 ms, a third host c on the same bridge: who holds the VIP, and how fast it moves.
 */
@Timeout(60)
class VrrpPairLabTest {
    /** VRRPv3, 100 ms: Master_Down_Interval of the priority-100 backup = 3 × 100 ms + skew 60 ms. */
    static final long ADVERT_MS = 100;
    static final long SKEW_B_MS = (256 - 100) * 10 / 256 * 10;
    static final long MARGIN_MS = 50;

    private static PairLab lab;
    private final List<Daemon> daemons = new ArrayList<>();

    @BeforeAll
    static void createLab() {
        lab = PairLab.create(3);
        lab.exec(lab.node(2), "sysctl", "-q", "-w", "net.ipv4.conf.eth0.arp_accept=1");
    }

    @AfterAll
    static void removeLab() {
        if (lab != null) {
            lab.close();
        }
    }

    @AfterEach
    void stopDaemons() {
        daemons.forEach(Daemon::close);
        for (int i = 0; i < 2; i++) {
            if (lab.holdsVip(lab.node(i))) {
                lab.ip(lab.node(i).ns(), "addr", "del", PairLab.VIP + "/24", "dev", PairLab.IFACE);
            }
        }
    }

    static String config(String name, int priority, int version, String advert) {
        return """
                global: { name: %s }
                vrrp:
                  instances:
                    VI_1:
                      interface: eth0
                      vrid: 51
                      priority: %d
                      version: %d
                      advert-interval: %s
                      virtual-addresses: [198.18.0.100/24]
                """.formatted(name, priority, version, advert);
    }

    private Daemon start(int node, int priority) {
        Daemon d = lab.startTandem(lab.node(node), config(lab.node(node).name(), priority, 3, "100ms"));
        daemons.add(d);
        return d;
    }

    /** a master with the VIP, b backup without it. */
    private Daemon[] startPair() throws InterruptedException {
        Daemon a = start(0, 150);
        a.awaitLog("-> MASTER", 10_000);
        Daemon b = start(1, 100);
        b.awaitLog("INITIALIZE -> BACKUP", 10_000);
        Thread.sleep(3 * ADVERT_MS);
        return new Daemon[] {a, b};
    }

    /** Polls {@code ip addr} on the node every few ms until it holds the VIP; the ms from {@code t0}. */
    static long awaitVip(Node node, long t0, long timeoutMs) {
        return awaitVip(lab, node, t0, timeoutMs);
    }

    static long awaitVip(PairLab lab, Node node, long t0, long timeoutMs) {
        long deadline = t0 + timeoutMs * 1_000_000L;
        while (System.nanoTime() - deadline < 0) {
            if (lab.holdsVip(node)) {
                return (System.nanoTime() - t0) / 1_000_000L;
            }
        }
        fail(node.name() + " did not take the VIP within " + timeoutMs + " ms");
        return -1;
    }

    @Test
    void higherPriorityBecomesMasterAndHoldsTheVip() throws Exception {
        // Started together: whichever JVM is first may be master for a moment; a (150) ends up master.
        Daemon a = start(0, 150);
        Daemon b = start(1, 100);
        a.awaitLog("BACKUP -> MASTER", 10_000);
        b.awaitLog("INITIALIZE -> BACKUP", 10_000);
        Thread.sleep(500);
        assertTrue(lab.holdsVip(lab.node(0)), "a holds the VIP:\n" + a.log());
        assertFalse(lab.holdsVip(lab.node(1)), "b holds no VIP:\n" + b.log());
        assertTrue(b.log().strip().endsWith("no VIPs held") || b.log().contains("-> BACKUP"), b.log());
        assertTrue(a.log().contains("vrrp VI_1 on eth0: vrid 51, priority 150, v3 advert 100ms, VIPs [198.18.0.100/24],"
                + " multicast"), a.log());
    }

    @Test
    void killedMasterIsReplacedWithinMasterDownInterval() throws Exception {
        long bound = 3 * ADVERT_MS + SKEW_B_MS + MARGIN_MS;
        List<Long> takeovers = new ArrayList<>();
        Daemon[] pair = startPair();
        Daemon a = pair[0];
        for (int round = 0; round < 3; round++) {
            long t0 = System.nanoTime();
            a.kill9();
            takeovers.add(awaitVip(lab.node(1), t0, 2_000));
            a.awaitExit(2_000);
            if (round < 2) { // a comes back and preempts
                a = start(0, 150);
                a.awaitLog("BACKUP -> MASTER", 10_000);
                pair[1].awaitLog("MASTER -> BACKUP (higher-priority master)", 3_000);
                Thread.sleep(3 * ADVERT_MS);
                assertFalse(lab.holdsVip(lab.node(1)), "b gave the VIP back");
            }
        }
        System.out.println("kill -9 of the master -> VIP on the backup (ms): " + takeovers + ", bound " + bound);
        for (long t : takeovers) {
            assertTrue(t <= bound, "takeover " + t + " ms > " + bound + " ms: " + takeovers + "\n" + pair[1].log());
        }
    }

    @Test
    void gracefulStopHandsOverWithinSkewTime() throws Exception {
        long bound = SKEW_B_MS + MARGIN_MS;
        List<Long> takeovers = new ArrayList<>();
        Daemon[] pair = startPair();
        Daemon a = pair[0];
        for (int round = 0; round < 3; round++) {
            long t0 = System.nanoTime();
            a.sigterm();
            takeovers.add(awaitVip(lab.node(1), t0, 2_000));
            assertEquals(0, a.awaitExit(5_000), a.log());
            assertFalse(lab.holdsVip(lab.node(0)), "a released the VIP on stop:\n" + a.log());
            pair[1].awaitLog("BACKUP -> MASTER (master released)", 1_000); // logged once the VIP is added
            if (round < 2) {
                a = start(0, 150);
                a.awaitLog("BACKUP -> MASTER", 10_000);
                Thread.sleep(3 * ADVERT_MS);
            }
        }
        System.out.println("SIGTERM of the master -> VIP on the backup (ms): " + takeovers + ", bound " + bound);
        for (long t : takeovers) {
            assertTrue(t <= bound, "takeover " + t + " ms > " + bound + " ms: " + takeovers);
        }
    }

    @Test
    void linkCutAndHealedEndsWithExactlyOneMaster() throws Exception {
        Daemon[] pair = startPair();
        lab.cut(lab.node(0));
        try {
            awaitVip(lab.node(1), System.nanoTime(), 2_000);
            pair[0].awaitLog("MASTER -> FAULT", 2_000);
            assertFalse(lab.holdsVip(lab.node(0)), "a dropped the VIP with its link");
        } finally {
            lab.heal(lab.node(0));
        }
        pair[0].awaitLog("FAULT -> BACKUP (fault cleared)", 3_000);
        Thread.sleep(1_500);
        boolean aHolds = lab.holdsVip(lab.node(0));
        boolean bHolds = lab.holdsVip(lab.node(1));
        assertTrue(aHolds ^ bHolds, "exactly one master: a " + aHolds + ", b " + bHolds + "\n" + pair[0].log()
                + "\n" + pair[1].log());
        assertTrue(aHolds, "a (150) preempted b (100) once back");
    }

    @Test
    void failingTrackScriptFaultsTheMasterAndNotifyReportsIt() throws Exception {
        java.nio.file.Path healthy = lab.dir().resolve("a-healthy");
        java.nio.file.Path notified = lab.dir().resolve("a-notify.log");
        java.nio.file.Files.writeString(healthy, "ok");
        java.nio.file.Path notify = lab.dir().resolve("notify.sh");
        java.nio.file.Files.writeString(notify, "#!/bin/sh\necho \"$@\" >> " + notified + "\n");
        notify.toFile().setExecutable(true);
        Daemon a = lab.startTandem(lab.node(0), config("a", 150, 3, "100ms") + """
                      notify: %s
                      track:
                        scripts:
                          - { script: "test -f %s", interval: 100ms, fall: 2, rise: 2 }
                """.formatted(notify, healthy));
        daemons.add(a);
        a.awaitLog("BACKUP -> MASTER", 10_000);
        Daemon b = start(1, 100);
        b.awaitLog("INITIALIZE -> BACKUP", 10_000);
        java.nio.file.Files.delete(healthy);
        a.awaitLog("MASTER -> FAULT (script 'test -f " + healthy + "' down)", 3_000);
        awaitVip(lab.node(1), System.nanoTime(), 1_000);
        assertFalse(lab.holdsVip(lab.node(0)));
        java.nio.file.Files.writeString(healthy, "ok");
        a.awaitLog("FAULT -> BACKUP (fault cleared)", 3_000);
        a.awaitLog("BACKUP -> MASTER", 3_000);
        Thread.sleep(300);
        String lines = java.nio.file.Files.readString(notified);
        assertTrue(lines.contains("INSTANCE VI_1 MASTER 150\nINSTANCE VI_1 FAULT 150\nINSTANCE VI_1 BACKUP 150\n"),
                lines);
    }

    @Test
    void thirdHostArpEntryFollowsTheVipToTheNewMaster() throws Exception {
        Daemon[] pair = startPair();
        Node c = lab.node(2);
        String macA = lab.mac(lab.node(0));
        String macB = lab.mac(lab.node(1));
        lab.exec(c, "ping", "-c", "1", "-W", "1", PairLab.VIP); // fills the entry if no GARP did yet
        assertEquals(macA, lab.neighbourMac(c, PairLab.VIP), "c reaches the VIP at a");
        long t0 = System.nanoTime();
        pair[0].kill9();
        awaitVip(lab.node(1), t0, 2_000);
        long deadline = System.nanoTime() + 200_000_000L;
        while (!macB.equals(lab.neighbourMac(c, PairLab.VIP)) && System.nanoTime() - deadline < 0) {
            Thread.sleep(5);
        }
        assertEquals(macB, lab.neighbourMac(c, PairLab.VIP), "c's ARP entry moved to b with its gratuitous ARP");
    }
}
