package io.tandem.appliance.admin;

import io.tandem.appliance.TestDaemons;
import io.tandem.core.testing.Await;
import io.tandem.core.testing.TestHttpBackend;
import io.tandem.core.testing.TestPorts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code show stat}'s wretr, wredis and lbtot, as HAProxy counts them: a connect made again on another server is a
 * redispatch and the balancer's pick, one made again on the server that failed a retry and no new pick; both count
 * for the server that failed. L7 and L4 alike.
 */
class StatRetriesTest {
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path dir;

    @Test
    void aFailedConnectRedispatchesToAnotherServerAndRetriesTheSameOneOnlyWhenAloneLeft() throws Exception {
        int webPort = TestPorts.closedPort();
        int tcpPort = TestPorts.closedPort();
        int deadPort = TestPorts.closedPort();
        Path socket = dir.resolve("tandem.sock");
        try (TestHttpBackend live = TestHttpBackend.start("live");
             AutoCloseable daemon = TestDaemons.start("""
                     global: { workers: 1, log: none }
                     defaults: { retries: 1 }
                     l7:
                       frontends:
                         web:
                           bind: 127.0.0.1:%d
                           use-backend: [ "lonely if { path_beg /lonely }" ]
                           default-backend: app
                       backends:
                         app:
                           cookie: SRVID insert indirect
                           servers:
                             dead: { address: "127.0.0.1:%d", cookie: d }
                             live: { address: "%s", cookie: l }
                         lonely: { servers: { dead: "127.0.0.1:%d" } }
                     l4:
                       services:
                         tcp:
                           listen: 127.0.0.1:%d
                           balance: roundrobin
                           servers: { dead: "127.0.0.1:%d", live: "%s" }
                     admin: { socket: "%s" }
                     """.formatted(webPort, deadPort, live.hostPort(), deadPort, tcpPort, deadPort,
                     live.hostPort(), socket))) {
            String web = "http://127.0.0.1:" + webPort;
            // Persistence sends these to dead: each connect fails and is redispatched to live by the balancer.
            for (int i = 0; i < 3; i++) {
                assertEquals(200, get(web + "/", "SRVID=d"));
            }
            // Only dead to go to: the retry goes back to it, and fails again.
            assertEquals(503, get(web + "/lonely", null));
            Await.until("the 4 requests counted", () -> "4".equals(stat(socket).get("web/FRONTEND").get("req_tot")));
            Map<String, Map<String, String>> rows = stat(socket);
            assertEquals(List.of("3", "0", "0"), cells(rows.get("app/dead"), "wredis", "wretr", "lbtot"),
                    "persistence picked dead; its failures were redispatched");
            assertEquals(List.of("0", "0", "3"), cells(rows.get("app/live"), "wredis", "wretr", "lbtot"));
            assertEquals(List.of("3", "0", "3", "3"), cells(rows.get("app/BACKEND"), "wredis", "wretr", "lbtot",
                    "econ"));
            assertEquals(List.of("0", "1", "1", "2"), cells(rows.get("lonely/dead"), "wredis", "wretr", "lbtot",
                    "econ"), "the retry went back to the server that failed: no new pick");

            // L4: whichever connection the balancer gives dead first is redispatched to live.
            for (int i = 0; i < 4; i++) {
                try (java.net.Socket client = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), tcpPort)) {
                    client.setSoTimeout(10_000);
                    client.getOutputStream().write("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    assertEquals("HTTP/1.1 200", new String(client.getInputStream().readNBytes(12),
                            StandardCharsets.US_ASCII));
                }
            }
            Await.until("the 4 connections ended", () -> "4".equals(stat(socket).get("tcp/FRONTEND").get("stot"))
                    && "0".equals(stat(socket).get("tcp/FRONTEND").get("scur")));
            rows = stat(socket);
            long redispatched = Long.parseLong(rows.get("tcp/BACKEND").get("wredis"));
            assertTrue(redispatched >= 1, "roundrobin gave dead at least one of 4: " + rows.get("tcp/BACKEND"));
            assertEquals(List.of(String.valueOf(4 + redispatched), "0", String.valueOf(redispatched)),
                    cells(rows.get("tcp/BACKEND"), "lbtot", "wretr", "econ"));
            assertEquals(List.of(String.valueOf(redispatched), String.valueOf(redispatched)),
                    cells(rows.get("tcp/dead"), "wredis", "lbtot"));
            assertEquals(List.of("0", "4"), cells(rows.get("tcp/live"), "wredis", "lbtot"));
        }
    }

    private static List<String> cells(Map<String, String> row, String... columns) {
        return java.util.Arrays.stream(columns).map(row::get).toList();
    }

    private static int get(String url, String cookie) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
        if (cookie != null) {
            request.header("Cookie", cookie);
        }
        return CLIENT.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static Map<String, Map<String, String>> stat(Path socket) {
        try {
            return StatRows.of(AdminClient.send(socket, "show stat"));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
