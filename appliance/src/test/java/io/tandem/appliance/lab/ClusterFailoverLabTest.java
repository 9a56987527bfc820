package io.tandem.appliance.lab;

import static io.tandem.appliance.lab.ClusterLab.CLIENTS;
import static io.tandem.appliance.lab.ClusterLab.LIMIT;
import static java.time.Duration.ofMillis;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.tandem.core.testing.Await;
import io.tandem.vrrp.lab.Lab;
import io.tandem.vrrp.lab.Lab.Child;

/**
 * Active-passive on the {@link ClusterLab}: a (VRRP priority 150) master, b (100) backup. 200 clients pinned
 * through a keep their server through a kill -9 of a and again when a comes back, a client over its limit on a is
 * still limited on b, and the restarted a takes the VIP back only after it received the tables.
 */
@Timeout(240)
class ClusterFailoverLabTest {
    private static final String LIMITED = "198.18.0.240";
    @RegisterExtension
    static final ClusterLab cluster = new ClusterLab();

    private static Map<String, String> servers() {
        Map<String, String> seen = cluster.clients(0, CLIENTS, Lab.VIP);
        ClusterLab.assertServed(seen, "at the VIP");
        return seen;
    }

    @Test
    void clientsKeepTheirServerAndLimitThroughAFailoverAndTheRestartedMasterWaitsForTheTables() throws Exception {
        Lab lab = cluster.lab();
        lab.ipOk(lab.c().ns(), "addr", "add", LIMITED + "/24", "dev", Lab.IFACE);
        Child a = cluster.start(lab.a(), ClusterLab.oneVip(150));
        a.awaitLog("-> MASTER", ofMillis(30_000));
        Child b = cluster.start(lab.b(), ClusterLab.oneVip(100));
        b.awaitLog("is ready (tables received from a)", ofMillis(30_000));
        b.awaitLog("-> BACKUP", ofMillis(30_000));
        Await.until("a holds the VIP", () -> lab.holdsVip(lab.a()) && !lab.holdsVip(lab.b()));

        Map<String, String> before = servers();
        assertTrue(before.containsValue("s1") && before.containsValue("s2"), "both servers in use: " + before);
        for (int i = 0; i < LIMIT + 5; i++) {
            cluster.get(LIMITED, Lab.VIP);
        }
        assertEquals("429", cluster.get(LIMITED, Lab.VIP), "over its limit on a");
        // Replication is asynchronous: the failover comes once b holds every entry a made.
        Await.until("b holds a's tables", () -> cluster.table(lab.b(), "app").equals(cluster.table(lab.a(), "app"))
                && cluster.table(lab.b(), "web").equals(cluster.table(lab.a(), "web")));

        long t0 = System.nanoTime();
        a.kill9();
        VrrpPairLabTest.awaitVip(lab, lab.b(), t0, 10_000);
        a.awaitExit(ofMillis(30_000));
        assertEquals(before, servers(), "every client reaches the server it had through a");
        assertEquals("429", cluster.get(LIMITED, Lab.VIP), "still limited on b");
        String metrics = lab.exec(lab.c().ns(), "curl", "-s", "--max-time", "5", "http://" + lab.b().ip()
                + ":8404/metrics").output();
        assertTrue(metrics.contains("tandem_cluster_ready{cluster=\"lab-pair\"} 1.0"), metrics);
        assertTrue(metrics.contains("tandem_cluster_updates_received_total{cluster=\"lab-pair\"} "), metrics);
        assertTrue(metrics.contains("tandem_cluster_last_state_transfer_changes{cluster=\"lab-pair\"} "), metrics);

        Child again = cluster.start(lab.a(), ClusterLab.oneVip(150));
        again.awaitLog("is ready (tables received from b)", ofMillis(30_000));
        again.awaitLog("BACKUP -> MASTER", ofMillis(30_000));
        String log = again.output();
        // VRRP is held in FAULT ("cluster sync down") while the join lasts, or starts after it when the join is quick.
        assertTrue(log.indexOf("received the tables from b") < log.indexOf("BACKUP -> MASTER")
                && !log.substring(0, log.indexOf("received the tables from b")).contains("-> MASTER"),
                "a took the VIP back only after the tables:\n" + log);
        Await.until("a holds the VIP again", () -> lab.holdsVip(lab.a()) && !lab.holdsVip(lab.b()));
        assertEquals(before, servers(), "and again through the restarted a");
    }
}
