package io.tandem.appliance;

import io.tandem.core.balance.Server;
import io.tandem.core.config.ConfigLoader;
import io.tandem.core.net.EventLoops;
import io.tandem.core.state.Tier;
import io.tandem.core.testing.Await;
import io.tandem.core.testing.TestHttpBackend;
import io.tandem.core.testing.TestPorts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The stats endpoint of a running daemon: metrics that match the traffic, health flips, the HTTP edge cases. */
class StatsEndpointTest {
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    static HttpResponse<String> get(String url, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    static Scraped scrape(int statsPort) throws IOException, InterruptedException {
        HttpResponse<String> response = get("http://127.0.0.1:" + statsPort + "/metrics");
        assertEquals(200, response.statusCode(), response.body());
        return Scraped.parse(response.body());
    }

    /** A daemon on one event loop of its own, which closes with it. */
    record Running(TandemDaemon daemon, EventLoops loops) implements AutoCloseable {
        @Override
        public void close() {
            daemon.close();
            loops.close();
        }
    }

    static Running start(CheckedConfig checked) throws IOException {
        EventLoops loops = EventLoops.start(1);
        try {
            return new Running(TandemDaemon.start(checked, loops, null), loops);
        } catch (IOException | RuntimeException e) {
            loops.close();
            throw e;
        }
    }

    static CheckedConfig config(String yaml) {
        CheckedConfig checked = CheckedConfig.of(ConfigLoader.parse("stats.yaml", yaml, Map.of()));
        assertTrue(checked.ok(), checked.errors().toString());
        return checked;
    }

    @Test
    void metricsMatchTheTrafficSentPerServerAndPerStatusClass() throws Exception {
        int statsPort = TestPorts.closedPort();
        int webPort = TestPorts.closedPort();
        try (TestHttpBackend app1 = TestHttpBackend.start("app-1");
             TestHttpBackend app2 = TestHttpBackend.start("app-2");
             TestHttpBackend gone = TestHttpBackend.start("gone-1").respondWith(404);
             TestHttpBackend broken = TestHttpBackend.start("broken-1").respondWith(500);
             Running daemon = start(config("""
                     global: { workers: 1, log: none }
                     admin:
                       stats: { bind: "127.0.0.1:%d" }
                     l7:
                       frontends:
                         web:
                           bind: "127.0.0.1:%d"
                           use-backend:
                             - missing if { path_beg /missing }
                             - broken if { path_beg /broken }
                           default-backend: app
                       backends:
                         app:
                           balance: roundrobin
                           servers: { app-1: "%s", app-2: "%s" }
                         missing:
                           servers: { gone-1: "%s" }
                         broken:
                           servers: { broken-1: "%s" }
                     """.formatted(statsPort, webPort, app1.hostPort(), app2.hostPort(), gone.hostPort(),
                     broken.hostPort())))) {
            String web = "http://127.0.0.1:" + webPort;
            for (int i = 0; i < 30; i++) {
                HttpResponse<String> response = get(web + (i % 3 == 0 ? "/missing/" + i : "/ok/" + i));
                assertEquals(i % 3 == 0 ? 404 : 200, response.statusCode());
            }
            for (int i = 0; i < 5; i++) {
                assertEquals(500, get(web + "/broken/" + i).statusCode());
            }
            Await.until("the 35 requests counted", () -> requests(statsPort) == 35);
            Scraped s = scrape(statsPort);
            assertEquals(20, s.value("tandem_frontend_http_responses_total", "frontend", "web", "code", "2xx"));
            assertEquals(10, s.value("tandem_frontend_http_responses_total", "frontend", "web", "code", "4xx"));
            assertEquals(5, s.value("tandem_frontend_http_responses_total", "frontend", "web", "code", "5xx"));
            assertEquals(0, s.value("tandem_frontend_http_responses_total", "frontend", "web", "code", "other"));
            assertEquals(35, s.value("tandem_frontend_http_request_duration_seconds_count", "frontend", "web"),
                    "one observation per request");
            assertEquals(35, s.value("tandem_frontend_http_request_duration_seconds_bucket", "frontend", "web",
                    "le", "+Inf"));
            assertEquals(5, s.value("tandem_server_http_responses_total", "backend", "broken", "server",
                    "broken-1", "code", "5xx"), "a server's 500 is its own 5xx");
            assertEquals(0, s.value("tandem_server_response_errors_total", "backend", "broken", "server",
                    "broken-1"), "a well-formed 500 is no response error");
            assertEquals(20, s.value("tandem_backend_loadbalanced_total", "backend", "app"));
            assertEquals(20, s.value("tandem_backend_http_requests_total", "backend", "app"));
            assertEquals(20, s.value("tandem_backend_http_request_duration_seconds_count", "backend", "app"));
            assertEquals(10, s.value("tandem_server_http_responses_total", "backend", "app", "server", "app-1",
                    "code", "2xx"), "roundrobin over two servers");
            assertEquals(10, s.value("tandem_server_http_responses_total", "backend", "app", "server", "app-2",
                    "code", "2xx"));
            assertEquals(10, s.value("tandem_server_http_responses_total", "backend", "missing", "server", "gone-1",
                    "code", "4xx"));
            assertEquals(0, s.value("tandem_server_http_responses_total", "backend", "missing", "server", "gone-1",
                    "code", "2xx"));
            assertEquals(10, s.value("tandem_server_http_request_duration_seconds_count", "backend", "missing",
                    "server", "gone-1"));
            assertEquals(app1.requests(), s.value("tandem_server_sessions_total", "backend", "app", "server",
                    "app-1"));
            assertEquals(1, s.value("tandem_server_up", "backend", "app", "server", "app-1"));
            assertEquals(0, s.value("tandem_backend_current_queue", "backend", "app"));
            assertEquals(0, s.value("tandem_backend_connection_errors_total", "backend", "app"));
            assertTrue(s.value("tandem_frontend_bytes_out_total", "frontend", "web") > 0);
            assertTrue(s.text().contains("# TYPE tandem_frontend_http_requests_total counter"), s.text());
        }
    }

    @Test
    void healthStateAndCheckFailuresFollowAServerThatGoesDown() throws Exception {
        int statsPort = TestPorts.closedPort();
        int webPort = TestPorts.closedPort();
        TestHttpBackend doomed = TestHttpBackend.start("doomed");
        try (TestHttpBackend steady = TestHttpBackend.start("steady");
             Running daemon = start(config("""
                     global: { workers: 1, log: none }
                     admin: { stats: { bind: "127.0.0.1:%d" } }
                     l7:
                       frontends:
                         web: { bind: "127.0.0.1:%d", default-backend: app }
                       backends:
                         app:
                           check: { http: GET /, inter: 200ms, fall: 3, rise: 2 }
                           servers: { doomed: "%s", steady: "%s" }
                     """.formatted(statsPort, webPort, doomed.hostPort(), steady.hostPort())))) {
            Await.until("both servers checked UP", () -> upValue(statsPort, "doomed") == 1
                    && upValue(statsPort, "steady") == 1);
            doomed.close();
            Await.until("doomed reported DOWN", () -> upValue(statsPort, "doomed") == 0);
            Scraped s = scrape(statsPort);
            assertTrue(s.value("tandem_server_check_failures_total", "server", "doomed") >= 3, "fall: 3");
            assertEquals(1, s.value("tandem_server_check_up_down_total", "server", "doomed"));
            assertTrue(s.value("tandem_backend_active_servers", "backend", "app") <= 1, "doomed no longer counts");
            String json = get("http://127.0.0.1:" + statsPort + "/stats;json").body();
            assertTrue(json.contains("\"name\":\"doomed\",\"address\":\"" + doomed.hostPort()
                    + "\",\"state\":\"DOWN\""), json);
        } finally {
            doomed.close();
        }
    }

    @Test
    void aReloadMovesTheEndpointAddsAuthRefusesATakenPortAndRemovesIt(@TempDir Path dir) throws Exception {
        int oldPort = TestPorts.closedPort();
        int newPort = TestPorts.closedPort();
        int webPort = TestPorts.closedPort();
        try (TestHttpBackend app = TestHttpBackend.start("app-1");
             java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            String yaml = """
                    global: { workers: 1, log: none }
                    %s
                    l7:
                      frontends:
                        web: { bind: "127.0.0.1:%d", default-backend: app }
                      backends:
                        app: { servers: { app-1: "%s" } }
                    """;
            String before = yaml.formatted("admin: { stats: { bind: \"127.0.0.1:" + oldPort + "\" } }", webPort,
                    app.hostPort());
            Path file = Files.writeString(dir.resolve("tandem.yaml"), before);
            try (EventLoops loops = EventLoops.start(1);
                 TandemDaemon daemon = TandemDaemon.start(config(before), loops, file)) {
                assertEquals(200, get("http://127.0.0.1:" + oldPort + "/metrics").statusCode());

                // Another address and basic auth: the new port answers (with credentials), the old one is closed.
                Files.writeString(file, yaml.formatted("admin: { stats: { bind: \"127.0.0.1:" + newPort + "\", "
                        + "metrics: /m, auth: { user: ops, password: s3cret } } }", webPort, app.hostPort()));
                ReloadResult moved = daemon.reload();
                assertTrue(moved.applied() && moved.restartNeeded().isEmpty(), moved.toString());
                assertEquals(List.of("admin.stats: http://127.0.0.1:" + newPort + ": metrics /m, page /stats, basic "
                        + "auth as ops (was http://127.0.0.1:" + oldPort + ": metrics /metrics, page /stats)"),
                        moved.changes());
                assertEquals(401, get("http://127.0.0.1:" + newPort + "/m").statusCode());
                String credentials = "Basic " + Base64.getEncoder().encodeToString("ops:s3cret"
                        .getBytes(StandardCharsets.UTF_8));
                assertEquals(200, get("http://127.0.0.1:" + newPort + "/m", "Authorization", credentials)
                        .statusCode());
                assertTrue(refused(oldPort), "the old address no longer listens");
                assertEquals(newPort, daemon.stats().localAddress().getPort());

                // A port another process holds: the reload is refused and the endpoint stays as it was.
                Files.writeString(file, yaml.formatted("admin: { stats: { bind: \"127.0.0.1:" + taken.getLocalPort()
                        + "\" } }", webPort, app.hostPort()));
                ReloadResult refused = daemon.reload();
                assertTrue(!refused.applied() && refused.errors().get(0).startsWith("admin.stats: cannot listen on "
                        + "127.0.0.1:" + taken.getLocalPort()), refused.toString());
                assertEquals(200, get("http://127.0.0.1:" + newPort + "/m", "Authorization", credentials)
                        .statusCode(), "still the endpoint of the config that runs");

                // Without admin.stats there is no endpoint; bringing it back opens it again.
                Files.writeString(file, yaml.formatted("", webPort, app.hostPort()));
                ReloadResult removed = daemon.reload();
                assertEquals(List.of("admin.stats: removed, not listening on 127.0.0.1:" + newPort + " any more"),
                        removed.changes());
                assertTrue(refused(newPort), "nothing listens once admin.stats is gone");
                Files.writeString(file, before);
                ReloadResult back = daemon.reload();
                assertTrue(back.applied(), back.toString());
                assertEquals(200, get("http://127.0.0.1:" + oldPort + "/metrics").statusCode());
            }
        }
    }

    private static boolean refused(int port) {
        try (Socket ignored = new Socket(InetAddress.getLoopbackAddress(), port)) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    @Test
    void afterAReloadTheMetricsShowTheNewSectionsAndKeepTheCountsOfThoseThatStayed(@TempDir Path dir)
            throws Exception {
        int statsPort = TestPorts.closedPort();
        int webPort = TestPorts.closedPort();
        try (TestHttpBackend app = TestHttpBackend.start("app-1");
             TestHttpBackend api = TestHttpBackend.start("api-1")) {
            String before = """
                    global: { workers: 1, log: none }
                    admin: { stats: { bind: "127.0.0.1:%d" } }
                    l7:
                      frontends:
                        web: { bind: "127.0.0.1:%d", default-backend: app }
                      backends:
                        app: { servers: { app-1: "%s" } }
                    """.formatted(statsPort, webPort, app.hostPort());
            String after = """
                    global: { workers: 1, log: none }
                    admin: { stats: { bind: "127.0.0.1:%d", page: /lb } }
                    l7:
                      frontends:
                        web:
                          bind: "127.0.0.1:%d"
                          use-backend: [ "api if { path_beg /api }" ]
                          default-backend: app
                      backends:
                        app: { servers: { app-1: "%s" } }
                        api: { servers: { api-1: "%s" } }
                    """.formatted(statsPort, webPort, app.hostPort(), api.hostPort());
            Path file = Files.writeString(dir.resolve("tandem.yaml"), before);
            try (EventLoops loops = EventLoops.start(1);
                 TandemDaemon daemon = TandemDaemon.start(config(before), loops, file)) {
                for (int i = 0; i < 3; i++) {
                    assertEquals(200, get("http://127.0.0.1:" + webPort + "/").statusCode());
                }
                Files.writeString(file, after);
                ReloadResult result = daemon.reload();
                assertTrue(result.applied(), result.toString());
                assertEquals(List.of(), result.restartNeeded());
                assertTrue(result.changes().contains("admin.stats: http://127.0.0.1:" + statsPort + ": metrics "
                        + "/metrics, page /lb (was http://127.0.0.1:" + statsPort + ": metrics /metrics, page /stats)"),
                        result.changes().toString());
                assertEquals(200, get("http://127.0.0.1:" + webPort + "/api/x").statusCode());
                Await.until("the api request counted", () -> requests(statsPort) == 4);
                Scraped s = scrape(statsPort);
                assertEquals(3, s.value("tandem_server_http_requests_total", "backend", "app", "server", "app-1"),
                        "app-1's counts carried over the reload");
                assertEquals(1, s.value("tandem_server_http_requests_total", "backend", "api", "server", "api-1"));
                assertEquals(200, get("http://127.0.0.1:" + statsPort + "/lb").statusCode(), "the page moved");
                assertEquals(404, get("http://127.0.0.1:" + statsPort + "/stats").statusCode());
            }
        }
    }

    private static double requests(int statsPort) {
        return sample(statsPort, "tandem_frontend_http_requests_total", "frontend", "web");
    }

    private static double upValue(int statsPort, String server) {
        return sample(statsPort, "tandem_server_up", "server", server);
    }

    /** One sample of a fresh scrape, for Await conditions: -1 while the endpoint does not answer. */
    private static double sample(int statsPort, String name, String... labels) {
        try {
            return scrape(statsPort).value(name, labels);
        } catch (IOException | InterruptedException e) {
            return -1;
        }
    }

    @Test
    void l4MetricsCountTheConnectionsAndBytesRelayed() throws Exception {
        int statsPort = TestPorts.closedPort();
        int l4Port = TestPorts.closedPort();
        try (TestHttpBackend app = TestHttpBackend.start("app-1");
             Running daemon = start(config("""
                     global: { workers: 1, log: none }
                     admin: { stats: { bind: "127.0.0.1:%d" } }
                     l4:
                       services:
                         front:
                           listen: 127.0.0.1:%d
                           servers: { app-1: "%s" }
                     """.formatted(statsPort, l4Port, app.hostPort())))) {
            byte[] request = "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
            long received = 0;
            for (int i = 0; i < 5; i++) {
                try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), l4Port)) {
                    socket.setSoTimeout(10_000);
                    socket.getOutputStream().write(request);
                    received += socket.getInputStream().readAllBytes().length;
                }
            }
            long expectedOut = received;
            Await.until("the 5 connections closed and counted", () ->
                    sample(statsPort, "tandem_l4_service_current_connections", "service", "front") == 0
                    && sample(statsPort, "tandem_l4_service_bytes_out_total", "service", "front") == expectedOut);
            Scraped s = scrape(statsPort);
            assertEquals(5, s.value("tandem_l4_service_connections_total", "service", "front"));
            assertEquals(5L * request.length, s.value("tandem_l4_service_bytes_in_total", "service", "front"));
            assertEquals(5, s.value("tandem_l4_server_connections_total", "service", "front", "server", "app-1"));
            assertEquals(5L * request.length, s.value("tandem_l4_server_bytes_in_total", "service", "front",
                    "server", "app-1"));
            assertEquals(expectedOut, s.value("tandem_l4_server_bytes_out_total", "service", "front", "server",
                    "app-1"));
            assertEquals(0, s.value("tandem_l4_service_connection_errors_total", "service", "front"));
            assertEquals(1, s.value("tandem_l4_server_up", "service", "front", "server", "app-1"));
        }
    }

    @Test
    void anOperatorsDrainAndMaintenanceShowInTheMetricsAndOnThePageData() throws Exception {
        int statsPort = TestPorts.closedPort();
        try (Running daemon = start(config(minimal(statsPort, "")))) {
            Server server = daemon.daemon().state().server(Tier.L7, "app", "a");
            server.setAdminState(Server.AdminState.MAINT);
            Scraped s = scrape(statsPort);
            assertEquals(1, s.value("tandem_server_maint", "backend", "app", "server", "a"));
            assertEquals(0, s.value("tandem_server_draining", "backend", "app", "server", "a"));
            assertEquals(0, s.value("tandem_backend_active_servers", "backend", "app"));
            assertTrue(get("http://127.0.0.1:" + statsPort + "/stats;json").body().contains("\"state\":\"MAINT\""));
            server.setAdminState(Server.AdminState.DRAIN);
            s = scrape(statsPort);
            assertEquals(0, s.value("tandem_server_maint", "backend", "app", "server", "a"));
            assertEquals(1, s.value("tandem_server_draining", "backend", "app", "server", "a"));
            assertTrue(get("http://127.0.0.1:" + statsPort + "/stats;json").body().contains("\"state\":\"DRAIN\""));
        }
    }

    @Test
    void anythingButTheThreePathsIs404AndAnotherMethod405() throws Exception {
        int statsPort = TestPorts.closedPort();
        try (Running daemon = start(config(minimal(statsPort, "")))) {
            String base = "http://127.0.0.1:" + statsPort;
            assertEquals(404, get(base + "/").statusCode());
            assertEquals(404, get(base + "/metrics/extra").statusCode());
            assertEquals(200, get(base + "/metrics?x=1").statusCode(), "a query string is ignored");
            HttpResponse<String> page = get(base + "/stats");
            assertEquals(200, page.statusCode());
            assertTrue(page.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
            assertTrue(page.body().contains("<svg") || page.body().contains("chart("), "the page draws its charts");
            assertTrue(get(base + "/stats;json").body().startsWith("{\"node\":"));
            HttpResponse<String> post = CLIENT.send(HttpRequest.newBuilder(URI.create(base + "/metrics"))
                    .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(405, post.statusCode());
            assertEquals("GET, HEAD", post.headers().firstValue("Allow").orElse(""));
            HttpResponse<String> openMetrics = get(base + "/metrics", "Accept",
                    "application/openmetrics-text; version=1.0.0");
            assertTrue(openMetrics.headers().firstValue("Content-Type").orElse("").startsWith(
                    "application/openmetrics-text"));
            assertTrue(openMetrics.body().endsWith("# EOF\n"));
        }
    }

    @Test
    void aRequestThatDoesNotParseGets400() throws Exception {
        int statsPort = TestPorts.closedPort();
        try (Running daemon = start(config(minimal(statsPort, "")));
             Socket socket = new Socket(InetAddress.getLoopbackAddress(), statsPort)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write("GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: nonsense\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            String answer = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
            assertTrue(answer.startsWith("HTTP/1.1 400 "), answer);
        }
    }

    @Test
    void withBasicAuthConfiguredEveryPathAsksForCredentials() throws Exception {
        int statsPort = TestPorts.closedPort();
        try (Running daemon = start(config(minimal(statsPort,
                ", auth: { user: ops, password: \"s3cret\" }")))) {
            String base = "http://127.0.0.1:" + statsPort;
            for (String path : new String[] {"/metrics", "/stats", "/stats;json"}) {
                HttpResponse<String> refused = get(base + path);
                assertEquals(401, refused.statusCode(), path);
                assertEquals("Basic realm=\"tandem stats\", charset=\"UTF-8\"",
                        refused.headers().firstValue("WWW-Authenticate").orElse(""));
                assertEquals(401, get(base + path, "Authorization", basic("ops", "wrong")).statusCode());
                assertEquals(200, get(base + path, "Authorization", basic("ops", "s3cret")).statusCode(), path);
            }
        }
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static String minimal(int statsPort, String extraStats) {
        return """
                global: { workers: 1, log: none }
                admin: { stats: { bind: "127.0.0.1:%d"%s } }
                l7:
                  frontends:
                    web: { bind: "127.0.0.1:%d", default-backend: app }
                  backends:
                    app: { servers: { a: "127.0.0.1:%d" } }
                """.formatted(statsPort, extraStats, TestPorts.closedPort(), TestPorts.closedPort());
    }
}
