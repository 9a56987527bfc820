package io.tandem.appliance.lab;

import static java.time.Duration.ofMillis;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.tandem.vrrp.lab.Keepalived;
import io.tandem.vrrp.lab.Lab;
import io.tandem.vrrp.lab.Lab.Child;
import io.tandem.vrrp.lab.Lab.Node;

/**
 * A Tandem daemon and Debian's keepalived in one virtual router, in both roles: VRRPv3 every 100 ms and VRRPv2 every
 * second; the higher priority joining later takes over (preemption), hard (kill -9) and graceful failover both
 * ways, and a cut link that heals ends with one master.
 */
@Timeout(90)
class KeepalivedInteropLabTest {
    private static Lab lab;
    private final List<AutoCloseable> daemons = new ArrayList<>();

    @BeforeAll
    static void createLab() {
        Lab.requireRoot();
        Keepalived.requireInstalled();
        lab = Lab.create(2);
    }

    @AfterAll
    static void removeLab() {
        if (lab != null) {
            lab.close();
        }
    }

    @AfterEach
    void stopAll() throws Exception {
        for (AutoCloseable d : daemons) {
            d.close();
        }
        daemons.clear();
        lab.dropAddress(Lab.VIP);
    }

    private Child tandem(Node node, int priority, int version) {
        String advert = version == 3 ? "100ms" : "1s";
        Child d = VrrpPairLabTest.startTandem(lab, node, VrrpPairLabTest.config(node.name(), priority, version,
                advert));
        daemons.add(d);
        return d;
    }

    /** keepalived (VRRP only, no respawn: kill -9 of its VRRP child is a hard failure) in the node. */
    private Keepalived keepalived(Node node, int priority, int version) {
        Keepalived k = Keepalived.start(lab, node, Keepalived.config("ka_" + node.name(),
                new Keepalived.Instance("VI_1", Lab.IFACE, 51, priority, version, version == 3 ? "0.1" : "1", false,
                        List.of(Lab.VIP + "/24"), null, List.of())));
        daemons.add(k);
        return k;
    }

    private static long awaitVip(Node node, long t0, long timeoutMs) {
        return VrrpPairLabTest.awaitVip(lab, node, t0, timeoutMs);
    }

    private static void assertOnlyHolder(Node holder, Node other) {
        assertTrue(lab.holdsVip(holder), holder.name() + " holds the VIP");
        assertFalse(lab.holdsVip(other), other.name() + " holds no VIP");
    }

    /** Master_Down_Interval of a priority-100 backup plus a margin. */
    private static long hardBound(int version) {
        return version == 3 ? 3 * 100 + 60 + 50 : 3 * 1000 + 609 + 100;
    }

    @ParameterizedTest(name = "VRRPv{0}")
    @CsvSource({"3", "2"})
    void tandemMasterKeepalivedBackup(int version) throws Exception {
        long settle = version == 3 ? 400 : 3_000;
        Child t = tandem(lab.a(), 150, version);
        t.awaitLog("BACKUP -> MASTER", ofMillis(10_000));
        Keepalived k = keepalived(lab.b(), 100, version);
        k.awaitLog("Entering BACKUP STATE", ofMillis(10_000));
        Thread.sleep(settle);
        assertOnlyHolder(lab.a(), lab.b());

        long t0 = System.nanoTime();
        t.kill9();
        long hard = awaitVip(lab.b(), t0, hardBound(version) + 2_000);
        System.out.println("v" + version + " kill -9 tandem master -> keepalived holds the VIP after " + hard + " ms");
        assertTrue(hard <= hardBound(version), hard + " ms");
        t.awaitExit(ofMillis(2_000));

        t = tandem(lab.a(), 150, version); // higher priority joins later: takes over from keepalived
        t.awaitLog("BACKUP -> MASTER", ofMillis(10_000));
        Thread.sleep(settle);
        assertOnlyHolder(lab.a(), lab.b());

        t0 = System.nanoTime();
        t.sigterm();
        long graceful = awaitVip(lab.b(), t0, 3_000);
        System.out.println("v" + version + " SIGTERM tandem master -> keepalived holds the VIP after " + graceful
                + " ms");
        assertTrue(graceful <= (version == 3 ? 110 : 760), graceful + " ms");
    }

    @ParameterizedTest(name = "VRRPv{0}")
    @CsvSource({"3", "2"})
    void keepalivedMasterTandemBackup(int version) throws Exception {
        long settle = version == 3 ? 400 : 3_000;
        Keepalived k = keepalived(lab.a(), 150, version);
        k.awaitLog("Entering MASTER STATE", ofMillis(10_000));
        Child t = tandem(lab.b(), 100, version);
        t.awaitLog("INITIALIZE -> BACKUP", ofMillis(10_000));
        Thread.sleep(settle);
        assertOnlyHolder(lab.a(), lab.b());
        assertFalse(t.output().contains("-> MASTER"), t.output());

        long t0 = System.nanoTime();
        k.kill9();
        long hard = awaitVip(lab.b(), t0, hardBound(version) + 2_000);
        System.out.println("v" + version + " kill -9 keepalived master -> tandem holds the VIP after " + hard + " ms");
        assertTrue(hard <= hardBound(version), hard + " ms\n" + t.output());
        // keepalived died without removing its address: take it away as a reboot would.
        lab.ipOk(lab.a().ns(), "addr", "flush", "dev", Lab.IFACE, "to", Lab.VIP + "/32");

        k = keepalived(lab.a(), 150, version); // higher priority joins later: takes over from Tandem
        t.awaitLog("MASTER -> BACKUP (higher-priority master)", ofMillis(10_000));
        Thread.sleep(settle);
        assertOnlyHolder(lab.a(), lab.b());

        t0 = System.nanoTime();
        k.sigterm();
        long graceful = awaitVip(lab.b(), t0, 3_000);
        System.out.println("v" + version + " SIGTERM keepalived master -> tandem holds the VIP after " + graceful
                + " ms");
        t.awaitLog("BACKUP -> MASTER (master released)", ofMillis(1_000)); // logged once the VIP is added
        assertTrue(graceful <= (version == 3 ? 110 : 760) + 100, graceful + " ms");
    }

    @Test
    void linkCutAndHealedEndsWithOneMasterV3() throws Exception {
        Child t = tandem(lab.a(), 150, 3);
        t.awaitLog("BACKUP -> MASTER", ofMillis(10_000));
        Keepalived k = keepalived(lab.b(), 100, 3);
        k.awaitLog("Entering BACKUP STATE", ofMillis(10_000));
        Thread.sleep(400);
        lab.cut(lab.a());
        try {
            awaitVip(lab.b(), System.nanoTime(), 2_000);
            t.awaitLog("MASTER -> FAULT", ofMillis(2_000));
        } finally {
            lab.heal(lab.a());
        }
        t.awaitLog("FAULT -> BACKUP (fault cleared)", ofMillis(3_000));
        Thread.sleep(1_500);
        boolean a = lab.holdsVip(lab.a());
        boolean b = lab.holdsVip(lab.b());
        assertTrue(a ^ b, "exactly one master: tandem " + a + ", keepalived " + b + "\n" + t.output() + "\n" + k.log());
        assertTrue(a, "tandem (150) preempted keepalived (100)");
    }
}
