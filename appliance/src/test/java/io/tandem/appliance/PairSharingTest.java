package io.tandem.appliance;

import io.tandem.appliance.admin.AdminClient;
import io.tandem.core.testing.Await;
import io.tandem.core.testing.TestCertificates;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two {@code tandem run} processes on loopback forming a pair with {@code share: [server-states, config]}: each
 * binds its frontends on its own address ({@code ${NODE_IP}}, 127.0.0.2 and 127.0.0.3), so the shared sections
 * are the same text on both, as on a real pair.
 */
class PairSharingTest {
    private static final String SECRET = "a-test-secret-that-is-long-enough-for-the-pair\n";
    private final List<DaemonProcess> daemons = new ArrayList<>();
    private final int clusterA = freePort();
    private final int clusterB = freePort();
    private final int web = freePort();
    private final int extra = freePort();
    private final int tls = freePort();
    /** Frontends added to the shared sections, for a test that needs more than {@code web}. */
    private String moreFrontends = "";

    @TempDir
    Path dir;

    @AfterEach
    void stop() throws InterruptedException {
        for (DaemonProcess daemon : daemons) {
            daemon.close();
        }
    }

    /** A port free now, with port + 100 (the cluster's failure detection) free too. */
    private static int freePort() {
        while (true) {
            try (ServerSocket s = new ServerSocket(0); ServerSocket fd = new ServerSocket(s.getLocalPort() + 100)) {
                return s.getLocalPort();
            } catch (IOException taken) {
                // port + 100 is in use, or past 65535: try another
            }
        }
    }

    /** The shared sections both nodes start with. */
    private String shared() {
        return """
                # the traffic, the same on both nodes
                l7:
                  frontends:
                    web:
                      bind: ["${NODE_IP}:%d"]
                      default-backend: app
                %s  backends:
                    app:
                      servers:
                        app-01: 127.0.0.1:9
                        app-02: 127.0.0.1:9
                """.formatted(web, moreFrontends);
    }

    /** A node's own sections; lb-b has a stats endpoint on the port the rejected config binds. */
    private String local(String name, int bind) {
        return """
                global: { name: %s }
                admin:
                  socket: %s
                %scluster:
                  name: pair
                  bind: 127.0.0.1:%d
                  members: [127.0.0.1:%d, 127.0.0.1:%d]
                  secret: "file:%s"
                  share: [stick-tables, server-states, config]
                """.formatted(name, socket(name), name.equals("lb-b") ? "  stats: { bind: \"127.0.0.3:" + extra
                + "\" }\n" : "", bind, clusterA, clusterB, dir.resolve("cluster.key"));
    }

    private Path socket(String name) {
        return dir.resolve(name + ".sock");
    }

    private Path file(String name) {
        return dir.resolve(name + ".yaml");
    }

    private DaemonProcess start(String name, int bind, String ip) throws Exception {
        Files.writeString(file(name), "# " + name + "'s own file\n" + local(name, bind) + shared());
        DaemonProcess daemon = DaemonProcess.run(file(name), dir.resolve(name + ".log"), Map.of("NODE_IP", ip));
        daemons.add(daemon);
        daemon.awaitLog("started as node");
        Await.until(() -> name + " never became ready:\n" + daemon.log(), () -> api(name, "show cluster json")
                .contains("\"ready\":true"));
        return daemon;
    }

    private String api(String name, String command) {
        try {
            return AdminClient.send(socket(name), command);
        } catch (IOException e) {
            return "<" + e + ">";
        }
    }

    /** The server's row of {@code show servers json}. */
    private String server(String node, String name) {
        Matcher row = Pattern.compile("\\{[^{}]*\"server\":\"" + name + "\"[^{}]*").matcher(api(node,
                "show servers json"));
        return row.find() ? row.group() : "<no row for " + name + ">";
    }

    private String version(String node) {
        Matcher line = Pattern.compile("Config_version: (\\S+)").matcher(api(node, "show info"));
        assertTrue(line.find());
        return line.group(1);
    }

    @Test
    void adminStatesAndReloadsOnOneNodeHoldOnTheOtherAndARefusalComesBackWithThePeersErrors() throws Exception {
        Files.writeString(dir.resolve("cluster.key"), SECRET);
        DaemonProcess a = start("lb-a", clusterA, "127.0.0.2");
        String alone = api("lb-a", "disable server app/app-01");
        assertTrue(alone.contains("peers: none in the cluster now"), alone);

        DaemonProcess b = start("lb-b", clusterB, "127.0.0.3");
        Await.until(() -> "b took a's admin state at its join: " + server("lb-b", "app-01"),
                () -> server("lb-b", "app-01").contains("\"admin\":\"maint\""));

        String weight = api("lb-a", "set weight app/app-02 7");
        assertTrue(weight.contains("weight 7 (was 1)\npeer lb-b: applied\n"), weight);
        assertTrue(server("lb-b", "app-02").contains("\"weight\":7,"), server("lb-b", "app-02"));
        String drain = api("lb-b", "drain server app/app-02");
        assertTrue(drain.contains("peer lb-a: applied"), drain);
        assertTrue(server("lb-a", "app-02").contains("\"admin\":\"drain\""), server("lb-a", "app-02"));
        String enable = api("lb-b", "enable server app/app-01");
        assertTrue(enable.contains("peer lb-a: applied"), enable);
        // add server and del server hold on both: the same address and options, then gone from both.
        String added = api("lb-a", "add server app/app-03 127.0.0.1:9 weight 3 backup");
        assertTrue(added.contains("added (127.0.0.1:9, weight 3, backup)\npeer lb-b: applied\n"), added);
        assertTrue(server("lb-b", "app-03").matches(".*\"address\":\"127.0.0.1:9\".*\"weight\":3,.*"
                + "\"backup\":true.*"), server("lb-b", "app-03"));
        assertTrue(api("lb-a", "disable server app/app-03").contains("peer lb-b: applied"));
        assertTrue(server("lb-b", "app-03").contains("\"admin\":\"maint\""), server("lb-b", "app-03"));
        String removed = api("lb-a", "del server app/app-03");
        assertTrue(removed.contains("removed\npeer lb-b: applied\n"), removed);
        assertTrue(server("lb-b", "app-03").startsWith("<no row"), server("lb-b", "app-03"));
        b.awaitLog("server app/app-03 removed by the runtime API (shared by peer lb-a)");

        // A reload on a sends its shared sections: b checks them, applies them and writes them to its file.
        Files.writeString(file("lb-a"), Files.readString(file("lb-a")) + """
                    api:
                      servers: { api-01: 127.0.0.1:9 }
                """);
        String reload = api("lb-a", "reload");
        assertTrue(reload.startsWith("reload applied: 1 change(s)\n  backend api: added\n  peer lb-b: applied: "
                + "1 change(s)\n    peer lb-b: backend api: added\n"), reload);
        assertTrue(server("lb-b", "api-01").contains("\"backend\":\"api\""), server("lb-b", "api-01"));
        String bFile = Files.readString(file("lb-b"));
        assertTrue(bFile.startsWith("# lb-b's own file\nglobal: { name: lb-b }\nadmin:\n  socket: " + socket("lb-b")),
                bFile);
        assertTrue(bFile.contains("# the traffic, the same on both nodes\nl7:\n") && bFile.contains("api-01"), bFile);
        assertTrue(bFile.contains("127.0.0.1:" + clusterB), "b's own cluster section stays: " + bFile);
        assertEquals(version("lb-a"), version("lb-b"));
        // b announces the version it now runs on its own schedule: a sees it shortly after b applied it.
        Await.until(() -> "a never saw b in sync: " + api("lb-a", "show cluster"),
                () -> api("lb-a", "show cluster").contains(", in sync\n"));

        // A frontend on the port of b's stats endpoint: a's check passes, b's refuses it; b keeps what it runs.
        String before = version("lb-b");
        String aFile = Files.readString(file("lb-a"));
        Files.writeString(file("lb-a"), aFile.replace("  backends:\n", """
                    extra:
                      bind: ["${NODE_IP}:%d"]
                      default-backend: app
                  backends:
                """.formatted(extra)));
        int bindLine = (int) Files.readString(file("lb-a")).lines().takeWhile(l -> !l.contains(":" + extra + "\"]"))
                .count() + 1;
        CliRun refused = CliRun.of("ctl", "-s", socket("lb-a").toString(), "reload");
        assertEquals(7, refused.exitCode(), refused.err());
        assertTrue(refused.err().startsWith("error [peer]: reload applied: 2 change(s) here, but a peer did not "
                + "apply the shared config\n"), refused.err());
        assertTrue(refused.err().contains("  peer lb-b: refused: 1 error(s), nothing changed\n    peer lb-b: "
                + file("lb-a") + ":" + bindLine + ":"), refused.err());
        assertTrue(refused.err().contains("already used by admin.stats"), refused.err());
        assertEquals(before, version("lb-b"));
        assertFalse(Files.readString(file("lb-b")).contains("extra"), "b's file is unchanged");
        b.awaitLog("from peer lb-a refused: 1 error(s)");
        String cluster = api("lb-a", "show cluster");
        assertTrue(cluster.contains("config lb-a " + version("lb-a") + ", DIFFERS from lb-b " + before + "\n"),
                cluster);
        assertEquals(0, a.count("from peer lb-b"), "what b took from a never came back: " + a.log());
    }

    @Test
    void aNodeDownDuringAReloadTakesTheNewestConfigAndTheRuntimeServersWhenItRejoins() throws Exception {
        Files.writeString(dir.resolve("cluster.key"), SECRET);
        DaemonProcess a = start("lb-a", clusterA, "127.0.0.2");
        DaemonProcess b = start("lb-b", clusterB, "127.0.0.3");
        b.close(); // kill -9
        Await.until(() -> "a sees b gone: " + api("lb-a", "show cluster"), () -> api("lb-a", "show cluster json")
                .contains("\"members\":[\"lb-a\"]"));

        // While b is down: a reload, a server added and one of the file's removed.
        Files.writeString(file("lb-a"), Files.readString(file("lb-a")) + """
                    api:
                      servers: { api-01: 127.0.0.1:9 }
                """);
        String reload = api("lb-a", "reload");
        assertTrue(reload.startsWith("reload applied: 1 change(s)\n  backend api: added\n\n"), reload);
        assertTrue(api("lb-a", "add server app/app-04 127.0.0.1:9 weight 2").contains("peers: none in the cluster"));
        api("lb-a", "disable server app/app-02");
        assertTrue(api("lb-a", "del server app/app-02").contains("removed"));

        // b comes back with the file it had: it takes a's config (checked, applied, written) and a's servers.
        start("lb-b", clusterB, "127.0.0.3");
        Await.until(() -> "b took a's config: " + api("lb-b", "show servers"), () -> server("lb-b", "api-01")
                .contains("\"backend\":\"api\""));
        a.awaitLog("lb-b ran shared config");
        Await.until(() -> "both run the same version: " + version("lb-a") + " " + version("lb-b"),
                () -> version("lb-a").equals(version("lb-b")));
        assertTrue(Files.readString(file("lb-b")).contains("api-01"), "written to b's file");
        Await.until(() -> "b has a's runtime servers: " + api("lb-b", "show servers"), () -> server("lb-b",
                "app-04").contains("\"weight\":2,") && server("lb-b", "app-02").startsWith("<no row"));
        assertTrue(api("lb-b", "show cluster").contains(", in sync\n"), api("lb-b", "show cluster"));
        assertEquals(0, b.count("ran shared config"), "b never sent its older config");
    }

    @Test
    void aTlsSessionFromOneNodeResumesOnTheOtherAfterAFailoverWithoutAFullHandshake() throws Exception {
        try (TestCertificates certs = TestCertificates.create()) {
            Path crt = certs.leaf("www", TestCertificates.Kind.ECDSA, "DNS:www.test.example");
            moreFrontends = """
                        tls:
                          bind: ["${NODE_IP}:%d tls crt %s"]
                          default-backend: app
                    """.formatted(tls, crt);
            Files.writeString(dir.resolve("cluster.key"), SECRET);
            DaemonProcess a = start("lb-a", clusterA, "127.0.0.2");
            assertTrue(a.log().contains("tls: using BoringSSL"), "ticket keys need BoringSSL: " + a.log());
            DaemonProcess b = start("lb-b", clusterB, "127.0.0.3");
            b.awaitLog("tls: using the pair's session-ticket keys from lb-a");
            List<String> versions = List.of("-tls1_2", "-tls1_3");
            for (String version : versions) {
                String first = TestCertificates.sClient("127.0.0.2:" + tls, "www.test.example", version,
                        "-sess_out", dir.resolve("session" + version).toString());
                assertTrue(first.contains("New, TLS"), first);
            }
            a.close(); // kill -9: the clients move to b
            for (String version : versions) {
                String resumed = TestCertificates.sClient("127.0.0.3:" + tls, "www.test.example", version,
                        "-sess_in", dir.resolve("session" + version).toString());
                assertTrue(resumed.contains("Reused, TLS"), version + ": " + resumed);
            }
        }
    }
}
