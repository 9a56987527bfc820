package io.tandem.l7.proxy;

import io.tandem.core.balance.Server;
import io.tandem.core.stick.StickData;
import io.tandem.core.stick.StickTable;
import io.tandem.core.stick.StickUpdate;
import io.tandem.core.testing.TestHttpBackend;
import io.tandem.core.testing.TestPorts;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.Socket;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Stick tables end to end: rate limiting with track-sc and sc_* fetches, and stick-on persistence. */
class StickProxyTest {

    private static String get(String path, String... headers) {
        StringBuilder request = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: example.com\r\n");
        for (String header : headers) {
            request.append(header).append("\r\n");
        }
        return request.append("\r\n").toString();
    }

    private static final String RATE_LIMITED = """
            l7:
              frontends:
                https_front:
                  bind: 127.0.0.1:${PORT}
                  stick-table: { type: ip, size: 100k, expire: 5m, store: [ "http_req_rate(10s)" ] }
                  http-request:
                    - track-sc0 src
                    - deny deny_status 429 if { sc_http_req_rate(0) gt 5 }
                  default-backend: app
              backends:
                app:
                  servers: { app-1: "${APP}" }
            """;

    private static String stickyPool(String stickOn, String size) {
        return """
                defaults: { retries: 3 }
                l7:
                  frontends:
                    web: { bind: "127.0.0.1:${PORT}", default-backend: ws_cluster }
                  backends:
                    ws_cluster:
                      balance: roundrobin
                      stick-table: { type: ip, size: %s, expire: 30m }
                      stick-on: %s
                      servers: { ws-01: "${A}", ws-02: "${B}", ws-03: "${C}" }
                """.formatted(size, stickOn);
    }

    private static Map<String, String> addresses(TestHttpBackend a, TestHttpBackend b, TestHttpBackend c) {
        return Map.of("A", a.hostPort().toString(), "B", b.hostPort().toString(), "C", c.hostPort().toString());
    }

    private static List<Integer> statuses(Socket socket, String request, int count) throws IOException {
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ProxyHarness.send(socket, request);
            statuses.add(RawResponse.read(socket.getInputStream()).status());
        }
        return statuses;
    }

    @Test
    void rateLimitDeniesWith429AfterNRequestsWithinPeriod() throws Exception {
        try (TestHttpBackend app = TestHttpBackend.start("app-1")) {
            Map<String, String> env = Map.of("APP", app.hostPort().toString());
            try (ProxyHarness proxy = ProxyHarness.start(RATE_LIMITED, env);
                 Socket socket = proxy.connect()) {
                assertEquals(List.of(200, 200, 200, 200, 200, 429, 429), statuses(socket, get("/"), 7),
                        "one keep-alive connection");
                assertEquals(5, app.requests(), "denied requests never reach the server");
            }
            try (ProxyHarness proxy = ProxyHarness.start(RATE_LIMITED, env)) {
                List<Integer> statuses = new ArrayList<>();
                for (int i = 0; i < 7; i++) {
                    statuses.add(proxy.exchange(get("/")).status());
                }
                assertEquals(List.of(200, 200, 200, 200, 200, 429, 429), statuses, "a new connection per request");
                StickTable table = proxy.snapshot.frontends().get("https_front").stickTable();
                assertEquals(7, table.lookup("127.0.0.1").read(StickData.HTTP_REQ_RATE));
            }
        }
    }

    @Test
    void connectionsCountOncePerConnectionAndRequestsEachTime() throws Exception {
        try (ProxyHarness proxy = ProxyHarness.start("""
                l7:
                  frontends:
                    web:
                      bind: 127.0.0.1:${PORT}
                      stick-table: { type: ip, size: 10, store: [ conn_cnt, "conn_rate(1m)", http_req_cnt ] }
                      http-request:
                        - track-sc1 src
                        - return status 200 content-type text/plain lf-string "%[sc1_conn_cnt]/%[sc_conn_rate(1)]/%[sc_http_req_cnt(1)]"
                      default-backend: unused
                  backends:
                    unused:
                      servers: { s1: "127.0.0.1:1" }
                """, Map.of())) {
            try (Socket socket = proxy.connect()) {
                List<String> bodies = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    ProxyHarness.send(socket, get("/"));
                    bodies.add(RawResponse.read(socket.getInputStream()).bodyText());
                }
                assertEquals(List.of("1/1/1", "1/1/2", "1/1/3"), bodies);
            }
            assertEquals("2/2/4", proxy.exchange(get("/")).bodyText());
        }
    }

    @Test
    void httpErrorsCountTheServers4xxAnswers() throws Exception {
        try (TestHttpBackend app = TestHttpBackend.start("app-1").respondWith(404);
             ProxyHarness proxy = ProxyHarness.start("""
                     l7:
                       frontends:
                         web:
                           bind: 127.0.0.1:${PORT}
                           stick-table: { type: ip, size: 10, store: [ http_err_cnt, "http_err_rate(10s)" ] }
                           http-request:
                             - track-sc0 src
                             - deny if { sc_http_err_cnt(0) ge 2 } { sc_http_err_rate(0) ge 2 }
                           default-backend: app
                       backends:
                         app:
                           servers: { app-1: "${APP}" }
                     """, Map.of("APP", app.hostPort().toString()));
             Socket socket = proxy.connect()) {
            assertEquals(List.of(404, 404, 403), statuses(socket, get("/"), 3));
        }
    }

    @Test
    void stickOnSrcKeepsAClientOnOneServerAcrossConnections() throws Exception {
        try (TestHttpBackend a = TestHttpBackend.start("ws-01");
             TestHttpBackend b = TestHttpBackend.start("ws-02");
             TestHttpBackend c = TestHttpBackend.start("ws-03");
             ProxyHarness proxy = ProxyHarness.start(stickyPool("src", "1m"), addresses(a, b, c))) {
            Set<String> servers = new HashSet<>();
            for (int i = 0; i < 9; i++) {
                servers.add(proxy.exchange(get("/")).bodyText().trim());
            }
            assertEquals(1, servers.size(), "all on one server: " + servers);
            StickTable table = proxy.snapshot.backends().get("ws_cluster").stickTable();
            assertEquals(servers.iterator().next(), table.lookup("127.0.0.1").serverId());
        }
    }

    @Test
    void stickOnACookieSticksEachSessionAndBalancesNewOnes() throws Exception {
        try (TestHttpBackend a = TestHttpBackend.start("ws-01");
             TestHttpBackend b = TestHttpBackend.start("ws-02");
             TestHttpBackend c = TestHttpBackend.start("ws-03");
             ProxyHarness proxy = ProxyHarness.start(stickyPool("req.cook(SESSION)", "1m")
                     .replace("type: ip", "type: string"), addresses(a, b, c))) {
            Map<String, String> first = new java.util.HashMap<>();
            for (String session : List.of("s1", "s2", "s3")) {
                first.put(session, proxy.exchange(get("/", "Cookie: SESSION=" + session)).bodyText().trim());
            }
            assertEquals(Set.of("ws-01", "ws-02", "ws-03"), new HashSet<>(first.values()), "new sessions are balanced");
            for (int i = 0; i < 2; i++) {
                for (String session : List.of("s3", "s1", "s2")) {
                    assertEquals(first.get(session), proxy.exchange(get("/", "Cookie: a=b; SESSION=" + session))
                            .bodyText().trim());
                }
            }
        }
    }

    @Test
    void stickOnFallsBackWhenTheStuckServerIsDown() throws Exception {
        try (TestHttpBackend a = TestHttpBackend.start("ws-01");
             TestHttpBackend b = TestHttpBackend.start("ws-02");
             TestHttpBackend c = TestHttpBackend.start("ws-03");
             ProxyHarness proxy = ProxyHarness.start(stickyPool("src", "1m"), addresses(a, b, c))) {
            String stuck = proxy.exchange(get("/")).bodyText().trim();
            BackendRuntime backend = proxy.snapshot.backends().get("ws_cluster");
            Server server = backend.servers().stream().filter(s -> s.name().equals(stuck)).findFirst().orElseThrow();
            server.setUp(false);
            backend.pool().serverStateChanged(server);

            String moved = proxy.exchange(get("/")).bodyText().trim();
            assertNotEquals(stuck, moved);
            assertEquals(moved, backend.stickTable().lookup("127.0.0.1").serverId(), "re-stuck to the new server");
            server.setUp(true);
            backend.pool().serverStateChanged(server);
            for (int i = 0; i < 4; i++) {
                assertEquals(moved, proxy.exchange(get("/")).bodyText().trim(), "stays on the new server");
            }
        }
    }

    @Test
    void stickOnRedispatchesWhenTheStuckServerRefusesConnections() throws Exception {
        int closed = TestPorts.closedPort();
        try (TestHttpBackend a = TestHttpBackend.start("ws-01");
             TestHttpBackend b = TestHttpBackend.start("ws-02");
             ProxyHarness proxy = ProxyHarness.start(stickyPool("src", "1m"),
                     Map.of("A", a.hostPort().toString(), "B", b.hostPort().toString(), "C", "127.0.0.1:" + closed))) {
            StickTable table = proxy.snapshot.backends().get("ws_cluster").stickTable();
            // As a peer would replicate it: this client stuck to ws-03, which no longer accepts connections.
            table.apply(new StickUpdate("127.0.0.1", "ws-03", 60_000, List.of()));
            RawResponse response = proxy.exchange(get("/"));
            assertEquals(200, response.status());
            String moved = response.bodyText().trim();
            assertEquals(moved, table.lookup("127.0.0.1").serverId());
            for (int i = 0; i < 3; i++) {
                assertEquals(moved, proxy.exchange(get("/")).bodyText().trim());
            }
        }
    }

    @Test
    void stickTableEvictsAtCapacity() throws Exception {
        try (TestHttpBackend app = TestHttpBackend.start("app-1");
             ProxyHarness proxy = ProxyHarness.start("""
                     l7:
                       frontends:
                         web:
                           bind: 127.0.0.1:${PORT}
                           stick-table: { type: string, size: 2, store: [ http_req_cnt ] }
                           http-request:
                             - track-sc0 hdr(X-User)
                             - deny deny_status 429 if { sc_http_req_cnt(0) gt 1 }
                           default-backend: app
                       backends:
                         app:
                           servers: { app-1: "${APP}" }
                     """, Map.of("APP", app.hostPort().toString()))) {
            StickTable table = proxy.snapshot.frontends().get("web").stickTable();
            assertEquals(200, proxy.exchange(get("/", "X-User: a")).status());
            assertEquals(429, proxy.exchange(get("/", "X-User: a")).status());
            assertEquals(200, proxy.exchange(get("/", "X-User: b")).status());
            assertEquals(200, proxy.exchange(get("/", "X-User: c")).status()); // full: a, the least recent, goes
            assertEquals(2, table.size());
            assertNull(table.lookup("a"));
            assertEquals(200, proxy.exchange(get("/", "X-User: a")).status(), "a starts afresh; b is evicted");
            assertNull(table.lookup("b"));
            assertNotNull(table.lookup("c"));
            assertEquals(429, proxy.exchange(get("/", "X-User: c")).status(), "c was kept with its count");
            assertEquals(200, proxy.exchange(get("/")).status(), "no header: nothing tracked");
            assertEquals(2, table.size());
        }
    }
}
