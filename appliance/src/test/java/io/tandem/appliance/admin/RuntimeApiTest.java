package io.tandem.appliance.admin;

import io.tandem.appliance.TestDaemons;
import io.tandem.core.testing.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every runtime-API command and error against a real daemon with real backends on loopback. */
class RuntimeApiTest {

    @TempDir
    Path dir;
    private RunningDaemon daemon;

    @BeforeEach
    void start() throws Exception {
        daemon = new RunningDaemon(dir);
    }

    @AfterEach
    void stop() throws Exception {
        daemon.close();
    }

    private Map<String, Integer> hits(int requests, String cookie) throws Exception {
        Map<String, Integer> hits = new HashMap<>();
        for (int i = 0; i < requests; i++) {
            hits.merge(daemon.get("/", cookie), 1, Integer::sum);
        }
        return hits;
    }

    /** The runtime API's reply, for conditions ("" when it fails). */
    private String api(String line) {
        try {
            return daemon.api(line);
        } catch (java.io.IOException e) {
            return "";
        }
    }

    /** One cell of {@code show stat}. */
    private String stat(String pxname, String svname, String column) {
        for (String line : api("show stat").lines().toList()) {
            String[] cells = line.split(",", -1);
            if (cells.length > 2 && cells[0].equals(pxname) && cells[1].equals(svname)) {
                return cells[StatTable.COLUMNS.indexOf(column)];
            }
        }
        return "";
    }

    /** GET /slow (with {@code cookie}) on another thread: the server's name, or what went wrong. */
    private CompletableFuture<String> slowRequest(String cookie) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return daemon.get("/slow", cookie);
            } catch (Exception e) {
                return e.toString();
            }
        });
    }

    @Test
    void socketIsMode0660AndRemovedWhenTheDaemonStops() throws Exception {
        assertEquals("rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(daemon.socket)));
        daemon.close();
        assertFalse(Files.exists(daemon.socket));
        daemon = new RunningDaemon(dir);
    }

    private static String withSocket(Path socket) throws java.io.IOException {
        int port;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        return """
                l7:
                  frontends:
                    w: { bind: "127.0.0.1:%d", default-backend: b }
                  backends:
                    b: { servers: { s: "127.0.0.1:1" } }
                admin: { socket: "%s" }
                """.formatted(port, socket);
    }

    @Test
    void aConfiguredSocketThatCannotOpenStopsTheStart() throws Exception {
        String yaml = withSocket(daemon.socket);
        String taken = assertThrows(java.io.IOException.class, () -> io.tandem.appliance.TestDaemons.start(yaml))
                .getMessage();
        assertTrue(taken.contains("another process listens on " + daemon.socket + " (is tandem already running?)"),
                taken);
        Path missing = dir.resolve("no/such/dir/tandem.sock");
        String elsewhere = withSocket(missing);
        String absent = assertThrows(java.io.IOException.class, () -> io.tandem.appliance.TestDaemons.start(elsewhere))
                .getMessage();
        assertTrue(absent.contains("directory " + missing.getParent() + " does not exist"), absent);
    }

    @Test
    void showInfoGivesTheNodeVersionAndCounts() throws Exception {
        daemon.get("/", null);
        Await.until("the request counted", () -> api("show info").contains("\nCumReq: 1\n"));
        String info = daemon.api("show info");
        assertTrue(info.startsWith("Name: Tandem\nVersion: "), info);
        assertTrue(info.contains("\nNode: test-node\n"), info);
        assertTrue(info.contains("\nCumReq: 1\n"), info);
        assertTrue(info.contains("\nServers: 4\n"), info);
        String json = daemon.api("show info json");
        assertTrue(json.startsWith("{\"Name\":\"Tandem\",\"Version\":"), json);
        assertTrue(json.contains("\"Node\":\"test-node\""), json);
    }

    @Test
    void showStatHasARowPerFrontendBackendAndServerWithTheTrafficSent() throws Exception {
        hits(4, null);
        Await.until("the requests counted", () -> api("show stat").contains("\nweb,FRONTEND,") && api("show stat json")
                .contains("\"svname\":\"FRONTEND\",\"pid\":" + ProcessHandle.current().pid()) && stat("web", "FRONTEND",
                "req_tot").equals("4"));
        String csv = daemon.api("show stat");
        List<String> lines = csv.lines().toList();
        List<String> header = List.of(lines.get(0).substring(2).split(","));
        assertEquals(StatTable.COLUMNS, header);
        Map<String, Map<String, String>> rows = new HashMap<>();
        for (String line : lines.subList(1, lines.size())) {
            if (line.isEmpty()) {
                continue;
            }
            String[] cells = line.split(",", -1);
            assertEquals(header.size() + 1, cells.length, "a cell per column and the trailing comma: " + line);
            Map<String, String> row = new HashMap<>();
            for (int i = 0; i < header.size(); i++) {
                row.put(header.get(i), cells[i]);
            }
            rows.put(cells[0] + "/" + cells[1], row);
        }
        assertEquals(List.of("app/BACKEND", "app/app-01", "app/app-02", "tcp/BACKEND", "tcp/FRONTEND", "tcp/t1",
                "tcp/t2", "web/FRONTEND"), rows.keySet().stream().sorted().toList());
        assertEquals("4", rows.get("web/FRONTEND").get("req_tot"));
        assertEquals("4", rows.get("web/FRONTEND").get("hrsp_2xx"));
        assertEquals("OPEN", rows.get("web/FRONTEND").get("status"));
        assertEquals("2", rows.get("app/app-01").get("stot"));
        assertEquals("2", rows.get("app/app-02").get("req_tot"));
        assertEquals("", rows.get("app/app-02").get("chkfail"), "no health check: empty, as in HAProxy");
        assertEquals("2", rows.get("app/app-02").get("lbtot"));
        assertEquals("no check", rows.get("app/app-01").get("status"));
        assertEquals("UP", rows.get("app/BACKEND").get("status"));
        assertEquals("roundrobin", rows.get("app/BACKEND").get("algo"));
        assertEquals("2", rows.get("app/BACKEND").get("act"));
        assertEquals(daemon.app1.hostPort().toString(), rows.get("app/app-01").get("addr"));
        String json = daemon.api("show stat json");
        assertTrue(json.startsWith("[{\"pxname\":\"web\",\"svname\":\"FRONTEND\""), json);
        // Clients that their cookie sends to app-02 are no balancer picks: its lbtot stays.
        assertEquals(Map.of("app-02", 2), hits(2, "s2"));
        Await.until("the sticky requests counted", () -> stat("app", "app-02", "req_tot").equals("4"));
        assertEquals("2", stat("app", "app-02", "lbtot"));
        assertEquals("4", stat("app", "BACKEND", "lbtot"));
    }

    @Test
    void showServersIsAnAlignedTableAndJson() throws Exception {
        String text = daemon.api("show servers");
        List<String> lines = text.lines().toList();
        assertTrue(lines.get(0).startsWith("BACKEND  SERVER  ADDRESS"), text);
        int statusColumn = lines.get(0).indexOf("STATUS");
        assertTrue(lines.stream().skip(1).filter(l -> !l.isEmpty())
                .allMatch(l -> l.substring(statusColumn).startsWith("no check")), text);
        assertTrue(text.contains("l4:tcp"), text);
        String json = daemon.api("show servers json");
        assertTrue(json.startsWith("[{\"tier\":\"l7\",\"backend\":\"app\",\"server\":\"app-01\""), json);
    }

    @Test
    void disabledServerGetsNoRequestsUntilEnabled() throws Exception {
        assertEquals("server app/app-02: maint (was ready)\n\n", daemon.api("disable server app/app-02"));
        assertEquals(Map.of("app-01", 6), hits(6, null));
        assertEquals(Map.of("app-01", 2), hits(2, "s2"), "maintenance: not even its sticky clients");
        assertTrue(daemon.api("show servers").contains("MAINT"));
        daemon.api("enable server app/app-02");
        assertEquals(Map.of("app-01", 3, "app-02", 3), hits(6, null));
    }

    @Test
    void drainedServerFinishesItsOpenRequestAndKeepsStickyClientsButGetsNoNewOnes() throws Exception {
        daemon.app2.hang();
        CompletableFuture<String> open = slowRequest("s2");
        Await.until("the slow request reached app-02", () -> daemon.app2.requests() == 1);
        assertTrue(daemon.api("drain server app/app-02").startsWith("server app/app-02: drain (was ready); 1 "
                + "connection(s) still open"));
        assertEquals(Map.of("app-01", 6), hits(6, null), "no new request from the balancer");
        daemon.app2.respondWith(200);
        assertEquals("app-02", open.get(10, TimeUnit.SECONDS), "the open request finished on the drained server");
        assertEquals(Map.of("app-02", 2), hits(2, "s2"), "sticky clients still reach a draining server");
        assertTrue(daemon.api("set server app/app-02 state ready").startsWith("server app/app-02: ready"));
        assertTrue(hits(4, null).containsKey("app-02"));
    }

    @Test
    void setWeightChangesTheDistribution() throws Exception {
        assertEquals("server app/app-01: weight 3 (was 1)\n\n", daemon.api("set weight app/app-01 3"));
        assertEquals(Map.of("app-01", 6, "app-02", 2), hits(8, null));
        daemon.api("set weight app/app-01 0");
        assertEquals(Map.of("app-02", 4), hits(4, null), "weight 0: no new traffic");
        assertTrue(daemon.api("set weight app/app-01 100%").startsWith("server app/app-01: weight 1 (was 0)"));
    }

    @Test
    void addedServerTakesTrafficWithinOneRoundAndDeletedOneNoMore() throws Exception {
        try (var app3 = io.tandem.core.testing.TestHttpBackend.start("app-03")) {
            assertEquals("server app/app-03: added (" + app3.hostPort() + ", weight 1)\n\n",
                    daemon.api("add server app/app-03 " + app3.hostPort()));
            assertTrue(hits(3, null).containsKey("app-03"), "one round of three picks reaches the new server");
            assertTrue(daemon.api("show servers").contains("app-03"));
            String refused = daemon.api("del server app/app-03");
            assertTrue(refused.startsWith("error [refused]: server app/app-03 is in service: disable or drain it "
                    + "first"), refused);
            daemon.api("disable server app/app-03");
            assertEquals("server app/app-03: removed\n\n", daemon.api("del server app/app-03"));
            int before = app3.requests();
            assertEquals(Map.of("app-01", 3, "app-02", 3), hits(6, null));
            assertEquals(before, app3.requests());
            assertFalse(daemon.api("show servers").contains("app-03"));
        }
    }

    @Test
    void delServerIsRefusedWhileItHasConnections() throws Exception {
        daemon.app2.hang();
        CompletableFuture<String> open = slowRequest("s2");
        Await.until("the slow request reached app-02", () -> daemon.app2.requests() == 1);
        daemon.api("drain server app/app-02");
        String refused = daemon.api("del server app/app-02");
        assertTrue(refused.startsWith("error [refused]: server app/app-02 still has 1 connection(s)"), refused);
        daemon.app2.respondWith(200);
        assertEquals("app-02", open.get(10, TimeUnit.SECONDS));
        Await.until("app-02's slot given back", () -> {
            try {
                return daemon.api("del server app/app-02").equals("server app/app-02: removed\n\n");
            } catch (Exception e) {
                return false;
            }
        });
        assertEquals(Map.of("app-01", 2), hits(2, "s2"), "its cookie now names no server: balanced");
    }

    @Test
    void l4ServersAreDisabledAndWeightedTheSameWay() throws Exception {
        daemon.api("disable server tcp/t1");
        for (int i = 0; i < 4; i++) {
            assertEquals("t2", daemon.getThroughL4());
        }
        daemon.api("enable server tcp/t1");
        daemon.api("set weight tcp/t2 0");
        for (int i = 0; i < 4; i++) {
            assertEquals("t1", daemon.getThroughL4());
        }
        assertTrue(daemon.api("show servers").contains("l4:tcp   t2"), daemon.api("show servers"));
    }

    @Test
    void showTableListsEntriesAndClearTableEmptiesIt() throws Exception {
        hits(3, null);
        assertEquals("# table: frontend/web, type: ip, size:1000, used:1\n\n", daemon.api("show table"));
        String entries = daemon.api("show table web");
        assertTrue(entries.contains("key=127.0.0.1 exp="), entries);
        assertTrue(entries.contains(" http_req_rate(10000)=3"), entries);
        assertTrue(daemon.api("show table frontend/web key 127.0.0.1 json").contains("\"key\":\"127.0.0.1\""));
        assertEquals("table web: removed key 127.0.0.1\n\n", daemon.api("clear table web key 127.0.0.1"));
        assertTrue(daemon.api("show table web").contains("used:0"));
        hits(2, null);
        assertEquals("table web: cleared 1 entry\n\n", daemon.api("clear table web"));
        assertTrue(daemon.api("show table web").contains("used:0"));
    }

    @Test
    void showSessionsListsOpenConnections() throws Exception {
        daemon.app1.hang();
        daemon.app2.hang();
        CompletableFuture<String> open = slowRequest(null);
        Await.until("the request reached a server", () -> daemon.app1.requests() + daemon.app2.requests() == 1);
        String sessions = daemon.api("show sessions");
        assertTrue(sessions.startsWith("FRONTEND  CLIENT"), sessions);
        assertTrue(sessions.contains("web       127.0.0.1:"), sessions);
        assertTrue(sessions.contains("app      app-0"), sessions);
        assertTrue(sessions.contains("l4 service tcp: 0 open connection(s)"), sessions);
        daemon.app1.respondWith(200);
        daemon.app2.respondWith(200);
        open.get(10, TimeUnit.SECONDS);
    }

    @Test
    void showVrrpAndShowClusterSayWhatIsNotConfigured() throws Exception {
        assertEquals("vrrp: no instances configured\n\n", daemon.api("show vrrp"));
        assertEquals("[]\n", daemon.api("show vrrp json"));
        assertEquals("cluster: not configured\n\n", daemon.api("show cluster"));
        assertEquals("{\"configured\":false}\n", daemon.api("show cluster json"));
    }

    @Test
    void showClusterReportsTheNodeItsMembersAndItsReplication(@TempDir Path clusterDir) throws Exception {
        Path secret = clusterDir.resolve("cluster.key");
        Files.writeString(secret, "a-test-secret-that-is-long-enough-for-the-cluster\n");
        Path socket = clusterDir.resolve("tandem.sock");
        int port;
        int webPort;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             ServerSocket web = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
            webPort = web.getLocalPort();
        }
        String yaml = """
                global: { name: lb-a, workers: 1, log: none }
                l7:
                  frontends:
                    web: { bind: 127.0.0.1:%d, default-backend: app }
                  backends:
                    app: { servers: { a: "%s" } }
                cluster: { name: lb-pair, bind: 127.0.0.1:%d, members: [127.0.0.1:%d], secret: "file:%s" }
                admin: { socket: "%s" }
                """.formatted(webPort, daemon.app1.hostPort(), port, port, secret, socket);
        try (AutoCloseable clustered = TestDaemons.start(yaml)) {
            Await.until("the lone member is ready", () -> {
                try {
                    return AdminClient.send(socket, "show cluster json").contains("\"ready\":true");
                } catch (java.io.IOException notListeningYet) {
                    return false;
                }
            });
            String text = AdminClient.send(socket, "show cluster");
            assertTrue(text.startsWith("cluster lb-pair: node lb-a, ready\nmembers: lb-a\n"), text);
            assertTrue(text.contains("queue 0, dropped 0"), text);
            String json = AdminClient.send(socket, "show cluster json");
            assertTrue(json.startsWith("{\"configured\":true,\"cluster\":\"lb-pair\",\"node\":\"lb-a\""), json);
        }
    }

    @Test
    void unknownCommandListsTheCommandsWithTheClosest() throws Exception {
        String reply = daemon.api("shwo stat");
        assertTrue(reply.startsWith("error [usage]: unknown command 'shwo stat'; did you mean 'show stat'? Commands: "
                + "help, show info, show stat"), reply);
        String json = daemon.api("shwo stat json");
        assertTrue(json.startsWith("{\"error\":{\"kind\":\"usage\",\"message\":\"unknown command"), json);
        assertTrue(json.contains("\"suggestion\":\"show stat\""), json);
        assertTrue(daemon.api("frobnicate").startsWith("error [usage]: unknown command 'frobnicate'. Commands: help, "));
        assertTrue(daemon.api("help").contains("add server BACKEND/SERVER ADDRESS [weight N] [backup]"));
    }

    @Test
    void unknownBackendOrServerGetsDidYouMean() throws Exception {
        assertEquals("error [not-found]: no backend or L4 service 'ap'; did you mean 'app'?\n",
                daemon.api("disable server ap/app-01"));
        assertEquals("error [not-found]: no server 'app-1' in backend 'app'; did you mean 'app-01'?\n",
                daemon.api("drain server app/app-1"));
        assertTrue(daemon.api("enable server app/app-1 json").contains("\"suggestion\":\"app/app-01\""));
        assertEquals("error [not-found]: no stick table 'wbe'; did you mean 'frontend/web'?\n",
                daemon.api("show table wbe"));
        assertEquals("error [usage]: expected BACKEND/SERVER, got 'app'\n", daemon.api("disable server app"));
    }

    @Test
    void badArgumentsAreUsageErrors() throws Exception {
        assertEquals("error [usage]: weight 'x': expected 0..256 or a percentage such as 50%\n",
                daemon.api("set weight app/app-01 x"));
        assertEquals("error [usage]: weight 300 is above 256\n", daemon.api("set weight app/app-01 300"));
        assertEquals("error [usage]: usage: set weight BACKEND/SERVER N|N% [json]\n", daemon.api("set weight app/app-01"));
        assertEquals("error [usage]: state 'up': use ready, drain or maint\n",
                daemon.api("set server app/app-01 state up"));
        assertTrue(daemon.api("add server app/app-09 nowhere").startsWith("error [usage]: "));
        assertEquals("error [refused]: backend 'app' already has a server 'app-01'\n",
                daemon.api("add server app/app-01 127.0.0.1:1"));
        assertEquals("error [usage]: 'x.y' is not a valid ip key\n", daemon.api("clear table web key x.y"));
    }

    @Test
    void reloadAppliesTheFileAndAnInvalidOneChangesNothing() throws Exception {
        try (var app3 = io.tandem.core.testing.TestHttpBackend.start("app-03")) {
            Files.writeString(daemon.file, daemon.config("        app-03: { address: \"" + app3.hostPort()
                    + "\", cookie: s3 }"));
            String reply = daemon.api("reload");
            assertTrue(reply.startsWith("reload applied: 1 change(s)\n  backend app: changed\n"), reply);
            assertTrue(hits(3, null).containsKey("app-03"));
            Files.writeString(daemon.file, "l7: { frontends: { web: { bind: nowhere } } }\n");
            String refused = daemon.api("reload");
            assertTrue(refused.startsWith("error [refused]: reload refused: "), refused);
            assertTrue(refused.contains(daemon.file + ":1:"), refused);
            assertTrue(daemon.api("show servers").contains("app-03"), "nothing changed");
            assertTrue(daemon.api("reload json").startsWith("{\"error\":{\"kind\":\"refused\""));
        }
    }

    @Test
    void commandsSeparatedBySemicolonsAllRun() throws Exception {
        String reply = daemon.api("disable server app/app-01; show servers;enable server app/app-01");
        assertTrue(reply.startsWith("server app/app-01: maint (was ready)\n\nBACKEND"), reply);
        assertTrue(reply.endsWith("server app/app-01: ready (was maint)\n\n"), reply);
    }

    @Test
    void promptModeAnswersLineByLineUntilQuit() throws Exception {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(daemon.socket));
            OutputStream out = Channels.newOutputStream(channel);
            BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel),
                    StandardCharsets.UTF_8));
            out.write("prompt\n".getBytes(StandardCharsets.UTF_8));
            assertEquals('>', in.read());
            out.write("show cluster\n".getBytes(StandardCharsets.UTF_8));
            List<String> lines = new ArrayList<>();
            lines.add(in.readLine());
            lines.add(in.readLine());
            assertEquals(List.of(" cluster: not configured", ""), lines);
            out.write("quit\n".getBytes(StandardCharsets.UTF_8));
            assertEquals("> ", in.readLine(), "the prompt after the reply, then the end");
            assertEquals(null, in.readLine());
        }
    }
}
