package io.tandem.appliance.lab;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.tandem.appliance.lab.PairLab.Daemon;
import io.tandem.appliance.lab.PairLab.Node;

/**
 * A Tandem daemon and Debian's keepalived in one virtual router, in both roles: VRRPv3 every 100 ms and VRRPv2 every
 * second; the higher priority joining later takes over (preemption), hard (kill -9) and graceful failover both
 * ways, and a cut link that heals ends with one master.
 */
@Timeout(90)
class KeepalivedInteropLabTest {
    static final Path KEEPALIVED = Path.of("/usr/sbin/keepalived");
    private static PairLab lab;
    private final List<Daemon> daemons = new ArrayList<>();

    @BeforeAll
    static void createLab() {
        PairLab.requireRoot();
        if (!Files.isExecutable(KEEPALIVED)) {
            String reason = "keepalived not installed at " + KEEPALIVED + " (apt-get install keepalived)";
            if ("true".equals(System.getenv("CI"))) {
                fail(reason + ", and CI=true: the interop tests must run in CI");
            }
            Assumptions.assumeTrue(false, reason);
        }
        lab = PairLab.create(2);
    }

    @AfterAll
    static void removeLab() {
        if (lab != null) {
            lab.close();
        }
    }

    @AfterEach
    void stopAll() {
        daemons.forEach(Daemon::close);
        daemons.clear();
        for (int i = 0; i < 2; i++) {
            if (lab.holdsVip(lab.node(i))) {
                lab.ip(lab.node(i).ns(), "addr", "del", PairLab.VIP + "/24", "dev", PairLab.IFACE);
            }
        }
    }

    private Daemon tandem(int node, int priority, int version) {
        String advert = version == 3 ? "100ms" : "1s";
        Daemon d = lab.startTandem(lab.node(node), VrrpPairLabTest.config(lab.node(node).name(), priority, version,
                advert));
        daemons.add(d);
        return d;
    }

    /** keepalived (VRRP only, no respawn: kill -9 of its VRRP child is a hard failure) in the node. */
    private Daemon keepalived(int node, int priority, int version) throws Exception {
        Node n = lab.node(node);
        Path dir = lab.dir().resolve("keepalived-" + n.name() + "-" + System.nanoTime());
        Files.createDirectories(dir);
        Path conf = dir.resolve("keepalived.conf");
        Files.writeString(conf, """
                global_defs {
                  router_id ka_%s
                }
                vrrp_instance VI_1 {
                  state BACKUP
                  interface eth0
                  virtual_router_id 51
                  priority %d
                  version %d
                  advert_int %s
                  virtual_ipaddress {
                    198.18.0.100/24 dev eth0
                  }
                }
                """.formatted(n.name(), priority, version, version == 3 ? "0.1" : "1"));
        Daemon d = lab.start(n, "keepalived-" + n.name(), "ip", "netns", "exec", n.ns(), KEEPALIVED.toString(),
                "-n", "-l", "-D", "-P", "-R", "-f", conf.toString(), "-p", dir.resolve("keepalived.pid").toString(),
                "-r", dir.resolve("vrrp.pid").toString());
        daemons.add(d);
        return d;
    }

    /** kill -9 of keepalived's VRRP process (the one that sends adverts), then of its parent. */
    private static void kill9Keepalived(Daemon keepalived) {
        ProcessHandle parent = keepalived.process().toHandle();
        parent.descendants().forEach(ProcessHandle::destroyForcibly);
        parent.destroyForcibly();
    }

    private static long awaitVip(Node node, long t0, long timeoutMs) {
        return VrrpPairLabTest.awaitVip(lab, node, t0, timeoutMs);
    }

    private static void assertOnlyHolder(int holder) {
        assertTrue(lab.holdsVip(lab.node(holder)), lab.node(holder).name() + " holds the VIP");
        assertFalse(lab.holdsVip(lab.node(1 - holder)), lab.node(1 - holder).name() + " holds no VIP");
    }

    /** Master_Down_Interval of a priority-100 backup plus a margin. */
    private static long hardBound(int version) {
        return version == 3 ? 3 * 100 + 60 + 50 : 3 * 1000 + 609 + 100;
    }

    @ParameterizedTest(name = "VRRPv{0}")
    @CsvSource({"3", "2"})
    void tandemMasterKeepalivedBackup(int version) throws Exception {
        long settle = version == 3 ? 400 : 3_000;
        Daemon t = tandem(0, 150, version);
        t.awaitLog("BACKUP -> MASTER", 10_000);
        Daemon k = keepalived(1, 100, version);
        k.awaitLog("Entering BACKUP STATE", 10_000);
        Thread.sleep(settle);
        assertOnlyHolder(0);

        long t0 = System.nanoTime();
        t.kill9();
        long hard = awaitVip(lab.node(1), t0, hardBound(version) + 2_000);
        System.out.println("v" + version + " kill -9 tandem master -> keepalived holds the VIP after " + hard + " ms");
        assertTrue(hard <= hardBound(version), hard + " ms");
        t.awaitExit(2_000);

        t = tandem(0, 150, version); // higher priority joins later: takes over from keepalived
        t.awaitLog("BACKUP -> MASTER", 10_000);
        Thread.sleep(settle);
        assertOnlyHolder(0);

        t0 = System.nanoTime();
        t.sigterm();
        long graceful = awaitVip(lab.node(1), t0, 3_000);
        System.out.println("v" + version + " SIGTERM tandem master -> keepalived holds the VIP after " + graceful
                + " ms");
        assertTrue(graceful <= (version == 3 ? 110 : 760), graceful + " ms");
    }

    @ParameterizedTest(name = "VRRPv{0}")
    @CsvSource({"3", "2"})
    void keepalivedMasterTandemBackup(int version) throws Exception {
        long settle = version == 3 ? 400 : 3_000;
        Daemon k = keepalived(0, 150, version);
        k.awaitLog("Entering MASTER STATE", 10_000);
        Daemon t = tandem(1, 100, version);
        t.awaitLog("INITIALIZE -> BACKUP", 10_000);
        Thread.sleep(settle);
        assertOnlyHolder(0);
        assertFalse(t.log().contains("-> MASTER"), t.log());

        long t0 = System.nanoTime();
        kill9Keepalived(k);
        long hard = awaitVip(lab.node(1), t0, hardBound(version) + 2_000);
        System.out.println("v" + version + " kill -9 keepalived master -> tandem holds the VIP after " + hard + " ms");
        assertTrue(hard <= hardBound(version), hard + " ms\n" + t.log());
        // keepalived died without removing its address: take it away as a reboot would.
        lab.ip(lab.node(0).ns(), "addr", "flush", "dev", PairLab.IFACE, "to", PairLab.VIP + "/32");

        k = keepalived(0, 150, version); // higher priority joins later: takes over from Tandem
        t.awaitLog("MASTER -> BACKUP (higher-priority master)", 10_000);
        Thread.sleep(settle);
        assertOnlyHolder(0);

        t0 = System.nanoTime();
        k.sigterm();
        long graceful = awaitVip(lab.node(1), t0, 3_000);
        System.out.println("v" + version + " SIGTERM keepalived master -> tandem holds the VIP after " + graceful
                + " ms");
        t.awaitLog("BACKUP -> MASTER (master released)", 1_000); // logged once the VIP is added
        assertTrue(graceful <= (version == 3 ? 110 : 760) + 100, graceful + " ms");
    }

    @Test
    void linkCutAndHealedEndsWithOneMasterV3() throws Exception {
        Daemon t = tandem(0, 150, 3);
        t.awaitLog("BACKUP -> MASTER", 10_000);
        Daemon k = keepalived(1, 100, 3);
        k.awaitLog("Entering BACKUP STATE", 10_000);
        Thread.sleep(400);
        lab.cut(lab.node(0));
        try {
            awaitVip(lab.node(1), System.nanoTime(), 2_000);
            t.awaitLog("MASTER -> FAULT", 2_000);
        } finally {
            lab.heal(lab.node(0));
        }
        t.awaitLog("FAULT -> BACKUP (fault cleared)", 3_000);
        Thread.sleep(1_500);
        boolean a = lab.holdsVip(lab.node(0));
        boolean b = lab.holdsVip(lab.node(1));
        assertTrue(a ^ b, "exactly one master: tandem " + a + ", keepalived " + b + "\n" + t.log() + "\n" + k.log());
        assertTrue(a, "tandem (150) preempted keepalived (100)");
    }
}
