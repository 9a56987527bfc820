package io.tandem.appliance.admin;

import io.tandem.appliance.TestDaemons;
import io.tandem.core.testing.Await;
import io.tandem.core.testing.Prerequisites;
import io.tandem.core.testing.TestHttpBackend;
import io.tandem.core.testing.TestLineServer;
import io.tandem.core.testing.TestPorts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code show stat} beside Debian's HAProxy 2.6 on the same config and the same traffic: every row fills the columns
 * HAProxy fills, except those docs/runtime-api.md lists as having no meaning in Tandem, and fills none that HAProxy
 * leaves empty; the counters that count the same thing agree.
 */
class StatAgainstHaproxyTest {
    private static final Path HAPROXY = Path.of("/usr/sbin/haproxy");

    /** The columns docs/runtime-api.md lists as empty in Tandem (no notion of them), and those of absent features. */
    private static final Set<String> NO_NOTION = Set.of("dresp", "downtime", "qlimit", "throttle", "tracked", "rate",
            "rate_lim", "rate_max", "req_rate", "req_rate_max", "conn_rate", "conn_rate_max", "hanafail", "comp_in",
            "comp_out", "comp_byp", "comp_rsp", "intercepted", "dcon", "dses", "wrew", "cache_lookups", "cache_hits",
            "srv_icur", "src_ilim", "idle_conn_cur", "safe_conn_cur", "used_conn_cur", "need_conn_est", "eint",
            "agg_server_status", "agg_server_check_status", "agg_check_status");

    /**
     * Empty on some rows only (docs/runtime-api.md), by svname and mode: slim on frontends and backends; on backends
     * qmax, chkdown and lastchg (a backend has no state of its own), and smax on L7 ones (no backend-wide slot
     * count); on L4 rows what only requests have.
     */
    private static final Map<String, Set<String>> EMPTY_ON = Map.of(
            "FRONTEND http", Set.of("slim"),
            "BACKEND http", Set.of("slim", "smax", "qmax", "chkdown", "lastchg"),
            "FRONTEND tcp", Set.of("slim", "dreq", "ereq", "req_tot"),
            "BACKEND tcp", Set.of("slim", "qmax", "chkdown", "lastchg", "dreq", "eresp", "cli_abrt", "srv_abrt",
                    "qtime", "ctime", "rtime", "ttime", "qtime_max", "ctime_max", "rtime_max", "ttime_max"),
            "server tcp", Set.of("eresp", "cli_abrt", "srv_abrt", "qtime", "ctime", "rtime", "ttime", "qtime_max",
                    "ctime_max", "rtime_max", "ttime_max"));

    /**
     * Counters that count the same thing in both on this traffic. Not bin and bout (HAProxy counts headers), nor
     * connect and reuse: Tandem keeps a server connection for the next client where HAProxy closes it with the
     * client that said {@code Connection: close}.
     */
    private static final List<String> SAME_COUNTS = List.of("stot", "dreq", "ereq", "eresp", "wretr", "wredis",
            "lbtot", "req_tot", "hrsp_1xx", "hrsp_2xx", "hrsp_3xx", "hrsp_4xx", "hrsp_5xx", "cli_abrt", "srv_abrt",
            "status", "weight", "act", "bck", "conn_tot", "mode", "algo", "type", "sid", "qcur", "scur", "check_rise",
            "check_fall");

    @TempDir
    Path dir;

    @Test
    void showStatFillsTheColumnsHaproxyFillsWithTheSameCountsOnTheSameTraffic() throws Exception {
        Prerequisites.requireExecutable(HAPROXY, "haproxy");
        try (TestHttpBackend ok = TestHttpBackend.start("ok");
             TestLineServer garbage = TestLineServer.start(line -> "garbage")) {
            int deadPort = TestPorts.closedPort();
            int haproxyPort = TestPorts.closedPort();
            int haproxyTcpPort = TestPorts.closedPort();
            int tandemTcpPort = TestPorts.closedPort();
            Path haproxySocket = dir.resolve("haproxy.sock");
            Path config = Files.writeString(dir.resolve("haproxy.cfg"), """
                    global
                      stats socket %s mode 600 level admin
                    defaults
                      mode http
                      timeout connect 2s
                      timeout client 10s
                      timeout server 10s
                      retries 1
                      option redispatch 1
                    frontend web
                      bind 127.0.0.1:%d
                      http-request deny if { path_beg /deny }
                      use_backend dead if { path_beg /dead }
                      use_backend bad if { path_beg /bad }
                      default_backend app
                    backend app
                      option httpchk GET /health
                      server s1 %s check inter 200ms
                    backend dead
                      server d1 127.0.0.1:%d
                    backend bad
                      server b1 127.0.0.1:%d
                    frontend tcp
                      mode tcp
                      bind 127.0.0.1:%d
                      default_backend tcp
                    backend tcp
                      mode tcp
                      server t1 %s
                    """.formatted(haproxySocket, haproxyPort, ok.hostPort(), deadPort, garbage.port(), haproxyTcpPort,
                    ok.hostPort()));
            int tandemPort = TestPorts.closedPort();
            Path tandemSocket = dir.resolve("tandem.sock");
            Process haproxy = new ProcessBuilder(HAPROXY.toString(), "-db", "-f", config.toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("haproxy.log").toFile()).start();
            try (AutoCloseable tandem = TestDaemons.start("""
                    global: { workers: 1, log: none }
                    defaults: { retries: 1, timeout: { connect: 2s } }
                    l7:
                      frontends:
                        web:
                          bind: 127.0.0.1:%d
                          http-request: [ "deny if { path_beg /deny }" ]
                          use-backend: [ "dead if { path_beg /dead }", "bad if { path_beg /bad }" ]
                          default-backend: app
                      backends:
                        app: { check: { http: GET /health, inter: 200ms }, servers: { s1: "%s" } }
                        dead: { servers: { d1: "127.0.0.1:%d" } }
                        bad: { servers: { b1: "127.0.0.1:%d" } }
                    l4:
                      services:
                        tcp: { listen: 127.0.0.1:%d, servers: { t1: "%s" } }
                    admin: { socket: "%s" }
                    """.formatted(tandemPort, ok.hostPort(), deadPort, garbage.port(), tandemTcpPort, ok.hostPort(),
                    tandemSocket))) {
                Await.until("haproxy answers", () -> answers(haproxySocket));
                // Checked by both (the health state itself depends on each one's timing, so only its columns count).
                Await.until("both checked s1", () -> !cell(haproxySocket, "app", "s1", "check_status").isEmpty()
                        && !cell(tandemSocket, "app", "s1", "check_status").isEmpty());
                for (int port : new int[] {haproxyPort, tandemPort}) {
                    sendTraffic(port);
                }
                for (int port : new int[] {haproxyTcpPort, tandemTcpPort}) {
                    for (int i = 0; i < 2; i++) {
                        assertEquals("HTTP/1.1 200", statusLine(port, "GET /tcp HTTP/1.0\r\n\r\n"));
                    }
                }
                Await.until("both counted the 7 requests and the 2 connections", () -> "7".equals(cell(haproxySocket,
                        "web", "FRONTEND", "req_tot")) && "7".equals(cell(tandemSocket, "web", "FRONTEND", "req_tot"))
                        && "0".equals(cell(haproxySocket, "tcp", "FRONTEND", "scur"))
                        && "0".equals(cell(tandemSocket, "tcp", "FRONTEND", "scur")));
                Map<String, Map<String, String>> theirs = StatRows.of(AdminClient.send(haproxySocket, "show stat"));
                Map<String, Map<String, String>> ours = StatRows.of(AdminClient.send(tandemSocket, "show stat"));
                assertEquals(theirs.keySet(), ours.keySet(), "the same rows");
                List<String> differences = new ArrayList<>();
                for (String row : theirs.keySet()) {
                    String svname = row.substring(row.indexOf('/') + 1);
                    String kind = (svname.equals("FRONTEND") || svname.equals("BACKEND") ? svname : "server") + " "
                            + theirs.get(row).get("mode");
                    Set<String> emptyHere = EMPTY_ON.getOrDefault(kind, Set.of());
                    for (String column : StatTable.COLUMNS) {
                        boolean theyFill = !theirs.get(row).getOrDefault(column, "").isEmpty();
                        boolean weFill = !ours.get(row).getOrDefault(column, "").isEmpty();
                        boolean mayBeEmpty = NO_NOTION.contains(column) || emptyHere.contains(column);
                        if (theyFill && !weFill && !mayBeEmpty) {
                            differences.add(row + " " + column + ": empty, HAProxy has " + theirs.get(row).get(column));
                        } else if (weFill && !theyFill) {
                            differences.add(row + " " + column + ": " + ours.get(row).get(column) + ", HAProxy empty");
                        } else if (weFill && mayBeEmpty) {
                            differences.add(row + " " + column + ": filled, but documented as empty");
                        }
                    }
                    for (String column : SAME_COUNTS.stream().filter(c -> !emptyHere.contains(c)).toList()) {
                        String expected = theirs.get(row).getOrDefault(column, "");
                        String actual = ours.get(row).getOrDefault(column, "");
                        if (!expected.equals(actual) && !differsByDesign(row, column)) {
                            differences.add(row + " " + column + ": " + actual + ", HAProxy " + expected);
                        }
                    }
                }
                assertTrue(differences.isEmpty(), () -> String.join("\n", differences));
                // And the counts this traffic makes, to be sure both did not agree on nothing.
                assertEquals("1", ours.get("web/FRONTEND").get("dreq"));
                assertEquals("1", ours.get("web/FRONTEND").get("ereq"));
                assertEquals("1", ours.get("bad/b1").get("eresp"));
                assertEquals("1", ours.get("dead/d1").get("wretr"));
                assertEquals("3", ours.get("app/s1").get("lbtot"));
                Map<String, String> s1 = ours.get("app/s1");
                assertEquals(3, Integer.parseInt(s1.get("connect")) + Integer.parseInt(s1.get("reuse")), s1::toString);
                assertEquals("2", ours.get("dead/d1").get("connect"), "both attempts, failed as they were");
            } finally {
                haproxy.destroy();
                haproxy.waitFor();
            }
        }
    }

    /**
     * Where Tandem counts differently by design (docs/runtime-api.md): a 503 after failed connects counts in the
     * server it last tried, and a failed connect counts each attempt.
     */
    private static boolean differsByDesign(String row, String column) {
        return row.equals("dead/d1") && (column.equals("hrsp_5xx") || column.equals("req_tot"))
                || row.equals("bad/b1") && (column.equals("hrsp_5xx") || column.equals("req_tot"));
    }

    /**
     * Three answered requests, one denied, one to a dead server, one to a server that answers garbage, one malformed;
     * each on its own connection, so that both proxies see the same connections whatever their keep-alive habits.
     */
    private static void sendTraffic(int port) throws IOException {
        for (int i = 0; i < 3; i++) {
            assertEquals("HTTP/1.1 200", statusLine(port, "GET /ok/" + i + " HTTP/1.1\r\nHost: x\r\n"
                    + "Connection: close\r\n\r\n"));
        }
        for (String[] request : new String[][] {{"/deny", "403"}, {"/dead", "503"}, {"/bad", "502"}}) {
            assertEquals("HTTP/1.1 " + request[1], statusLine(port, "GET " + request[0] + " HTTP/1.1\r\nHost: x\r\n"
                    + "Connection: close\r\n\r\n"));
        }
        assertEquals("HTTP/1.1 400", statusLine(port, "GARBAGE\r\n\r\n"));
    }

    /** Sends {@code request} on a new connection and returns the first 12 bytes of the answer. */
    private static String statusLine(int port, String request) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            String reply = new String(in.readNBytes(12), StandardCharsets.US_ASCII);
            in.readAllBytes(); // to the end: the exchange is over, and counted, once the proxy closes
            return reply;
        }
    }

    private static boolean answers(Path socket) {
        try {
            return AdminClient.send(socket, "show info", Duration.ofSeconds(2)).contains("Name:");
        } catch (IOException notYet) {
            return false;
        }
    }

    /** One cell, "" while the row or the socket is not there. */
    private static String cell(Path socket, String pxname, String svname, String column) {
        try {
            return StatRows.of(AdminClient.send(socket, "show stat")).getOrDefault(pxname + "/" + svname, Map.of())
                    .getOrDefault(column, "");
        } catch (IOException e) {
            return "";
        }
    }
}
