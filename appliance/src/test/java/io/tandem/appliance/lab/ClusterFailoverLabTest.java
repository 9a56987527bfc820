package io.tandem.appliance.lab;

import static java.time.Duration.ofMillis;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.tandem.core.testing.Await;
import io.tandem.vrrp.lab.Lab;
import io.tandem.vrrp.lab.Lab.Child;
import io.tandem.vrrp.lab.Lab.Node;

/**
 * Two Tandem daemons with VRRP and the cluster (a: priority 150, b: 100) in front of two backends on host c, which
 * also holds 50 client addresses. An L7 frontend limits each source to 20 requests per 10 s and its backend sticks
 * on the source. Clients pinned through a keep their server through a kill -9 of a and again when a comes back, a
 * client over its limit on a is still limited on b, and the restarted a takes the VIP back only after it received
 * the tables.
 */
@Timeout(180)
class ClusterFailoverLabTest {
    private static final int CLIENTS = 50;
    private static final int LIMIT = 20;
    private static final String LIMITED = "198.18.0.240";
    private static Lab lab;
    private static final List<Child> started = new ArrayList<>();

    @BeforeAll
    static void createLab() throws IOException {
        lab = Lab.create(3);
        Node c = lab.c();
        for (int i = 0; i < CLIENTS; i++) {
            lab.ipOk(c.ns(), "addr", "add", client(i) + "/24", "dev", Lab.IFACE);
        }
        lab.ipOk(c.ns(), "addr", "add", LIMITED + "/24", "dev", Lab.IFACE);
        for (String server : List.of("s1", "s2")) {
            Path root = Files.createDirectories(lab.dir().resolve("www-" + server));
            Files.writeString(root.resolve("index.html"), server);
            started.add(lab.start(List.of("ip", "netns", "exec", c.ns(), "/usr/bin/python3", "-m", "http.server",
                    server.equals("s1") ? "9001" : "9002", "--bind", c.ip(), "--directory", root.toString()),
                    "backend-" + server));
        }
    }

    @AfterAll
    static void removeLab() {
        started.forEach(Child::close);
        if (lab != null) {
            lab.close();
        }
    }

    private static String client(int i) {
        return "198.18.0." + (150 + i);
    }

    private static String config(Node node, int priority, Path key) {
        return """
                global: { name: %1$s }
                l7:
                  frontends:
                    web:
                      bind: "*:8080"
                      stick-table: { type: ip, size: 10k, expire: 5m, store: [ "http_req_rate(10s)" ] }
                      http-request:
                        - track-sc0 src
                        - deny deny_status 429 if { sc_http_req_rate(0) gt %4$d }
                      default-backend: app
                  backends:
                    app:
                      balance: roundrobin
                      stick-table: { type: ip, size: 10k, expire: 5m }
                      stick-on: src
                      servers:
                        s1: 198.18.0.13:9001
                        s2: 198.18.0.13:9002
                vrrp:
                  instances:
                    VI_1:
                      interface: eth0
                      vrid: 51
                      priority: %2$d
                      advert-interval: 100ms
                      preempt: true
                      virtual-addresses: [198.18.0.100/24]
                cluster:
                  name: lab-pair
                  bind: %3$s:7800
                  members: [198.18.0.11:7800, 198.18.0.12:7800]
                  secret: file:%5$s
                admin: { stats: { bind: "%3$s:8404" } }
                """.formatted(node.name(), priority, node.ip(), LIMIT, key);
    }

    private static Child start(Node node, int priority, Path key) {
        Child d = VrrpPairLabTest.startTandem(lab, node, config(node, priority, key));
        started.add(d);
        return d;
    }

    /** What {@code from} gets at the VIP: the body (the server's name) for a 200, else the status. */
    private static String get(String from) {
        String[] out = lab.exec(lab.c().ns(), "curl", "-s", "--interface", from, "--max-time", "5", "-w",
                "\n%{http_code}", "http://" + Lab.VIP + ":8080/").output().trim().split("\n");
        String status = out[out.length - 1].trim();
        return status.equals("200") ? out[0].trim() : status;
    }

    private static Map<String, String> servers() {
        Map<String, String> seen = new LinkedHashMap<>();
        for (int i = 0; i < CLIENTS; i++) {
            seen.put(client(i), get(client(i)));
        }
        return seen;
    }

    @Test
    void clientsKeepTheirServerAndLimitThroughAFailoverAndTheRestartedMasterWaitsForTheTables() throws Exception {
        Path key = lab.dir().resolve("cluster.key");
        Files.writeString(key, "bGFiLXBhaXItc2VjcmV0LW9mLTMyLWJ5dGVzLWxvbmc=\n");
        Child a = start(lab.a(), 150, key);
        a.awaitLog("-> MASTER", ofMillis(30_000));
        Child b = start(lab.b(), 100, key);
        b.awaitLog("is ready (tables received from a)", ofMillis(30_000));
        b.awaitLog("-> BACKUP", ofMillis(30_000));
        Await.until("a holds the VIP", () -> lab.holdsVip(lab.a()) && !lab.holdsVip(lab.b()));

        Map<String, String> before = servers();
        assertTrue(before.containsValue("s1") && before.containsValue("s2"), "both servers in use: " + before);
        for (int i = 0; i < LIMIT + 5; i++) {
            get(LIMITED);
        }
        assertEquals("429", get(LIMITED), "over its limit on a");
        Thread.sleep(500); // replication is asynchronous: well under this on a loopback bridge

        long t0 = System.nanoTime();
        a.kill9();
        VrrpPairLabTest.awaitVip(lab, lab.b(), t0, 10_000);
        a.awaitExit(ofMillis(30_000));
        assertEquals(before, servers(), "every client reaches the server it had through a");
        assertEquals("429", get(LIMITED), "still limited on b");
        String metrics = lab.exec(lab.c().ns(), "curl", "-s", "--max-time", "5", "http://" + lab.b().ip()
                + ":8404/metrics").output();
        assertTrue(metrics.contains("tandem_cluster_ready{cluster=\"lab-pair\"} 1.0"), metrics);
        assertTrue(metrics.contains("tandem_cluster_updates_received_total{cluster=\"lab-pair\"} "), metrics);
        assertTrue(metrics.contains("tandem_cluster_last_state_transfer_changes{cluster=\"lab-pair\"} "), metrics);

        Child again = start(lab.a(), 150, key);
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
