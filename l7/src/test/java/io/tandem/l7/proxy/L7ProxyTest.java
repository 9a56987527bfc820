package io.tandem.l7.proxy;

import io.tandem.core.log.RateLimitedLog;
import io.tandem.core.testing.Await;
import io.tandem.core.testing.LogLines;
import io.tandem.core.testing.TestHttpBackend;
import io.tandem.core.testing.TestPorts;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** End-to-end behaviour of the L7 proxy on loopback: real backends, real sockets, exact bytes. */
class L7ProxyTest {

    private static final String GET = "GET %s HTTP/1.1\r\nHost: example.com\r\n\r\n";

    private static String get(String path) {
        return GET.formatted(path);
    }

    private static String singleBackend(String address, String extraBackend, String extraDefaults) {
        return """
                defaults:
                  timeout: { connect: 1s, client: 2s, server: 2s, http-request: 1s, http-keep-alive: 1s, queue: 1s }
                  retries: 2
                %s
                l7:
                  frontends:
                    web:
                      bind: 127.0.0.1:${PORT}
                      default-backend: pool
                  backends:
                    pool:
                %s
                      servers:
                        s1: %s
                """.formatted(extraDefaults, extraBackend, address);
    }

    @Test
    void useBackendRoutesByPathAndTheRestGoesToDefault() throws Exception {
        try (TestHttpBackend api = TestHttpBackend.start("api-1");
             TestHttpBackend app = TestHttpBackend.start("app-1");
             ProxyHarness proxy = ProxyHarness.start("""
                     l7:
                       frontends:
                         web:
                           bind: 127.0.0.1:${PORT}
                           acl:
                             is_api: path_beg /api/
                           use-backend:
                             - api_cluster if is_api
                           default-backend: app_cluster
                       backends:
                         api_cluster:
                           servers: { api-1: "${API}" }
                         app_cluster:
                           servers: { app-1: "${APP}" }
                     """, Map.of("API", api.hostPort().toString(), "APP", app.hostPort().toString()))) {
            assertEquals("api-1", proxy.exchange(get("/api/users")).bodyText().trim());
            assertEquals("app-1", proxy.exchange(get("/apix")).bodyText().trim());
            assertEquals("app-1", proxy.exchange(get("/")).bodyText().trim());
        }
    }

    @Test
    void roundrobinSpreadsKeepAliveRequestsOverServers() throws Exception {
        try (TestHttpBackend a = TestHttpBackend.start("a");
             TestHttpBackend b = TestHttpBackend.start("b");
             ProxyHarness proxy = ProxyHarness.start("""
                     l7:
                       frontends:
                         web: { bind: "127.0.0.1:${PORT}", default-backend: pool }
                       backends:
                         pool:
                           balance: roundrobin
                           servers: { a: "${A}", b: "${B}" }
                     """, Map.of("A", a.hostPort().toString(), "B", b.hostPort().toString()));
             Socket socket = proxy.connect()) {
            Map<String, Integer> counts = new HashMap<>();
            for (int i = 0; i < 10; i++) {
                ProxyHarness.send(socket, get("/"));
                RawResponse response = RawResponse.read(socket.getInputStream());
                counts.merge(response.bodyText().trim(), 1, Integer::sum);
            }
            assertEquals(Map.of("a", 5, "b", 5), counts);
        }
    }

    @Test
    void insertedCookiePinsTheClientAndIndirectHidesItFromTheServer() throws Exception {
        try (TestHttpBackend a = TestHttpBackend.start("a");
             TestHttpBackend b = TestHttpBackend.start("b");
             ProxyHarness proxy = ProxyHarness.start("""
                     l7:
                       frontends:
                         web: { bind: "127.0.0.1:${PORT}", default-backend: pool }
                       backends:
                         pool:
                           cookie: SRVID insert indirect nocache httponly
                           servers:
                             a: { address: "${A}", cookie: sa }
                             b: { address: "${B}", cookie: sb }
                     """, Map.of("A", a.hostPort().toString(), "B", b.hostPort().toString()))) {
            RawResponse first = proxy.exchange(get("/"));
            String setCookie = first.header("Set-Cookie");
            assertNotNull(setCookie);
            assertTrue(setCookie.contains("HttpOnly"), setCookie);
            assertEquals("private", first.header("Cache-Control"));
            String server = first.bodyText().trim();
            String cookie = setCookie.substring(0, setCookie.indexOf(';'));
            for (int i = 0; i < 6; i++) {
                RawResponse again = proxy.exchange(
                        "GET / HTTP/1.1\r\nHost: x\r\nCookie: theme=dark; " + cookie + "\r\n\r\n");
                assertEquals(server, again.bodyText().trim());
                assertNull(again.header("Set-Cookie"), "a valid cookie is not set again");
            }
            TestHttpBackend chosen = server.equals("a") ? a : b;
            assertEquals("theme=dark", chosen.lastRequestHeader("Cookie"));
        }
    }

    @Test
    void noUsableServerAnswers503AfterRetries() throws Exception {
        int closed = TestPorts.closedPort();
        try (ProxyHarness proxy = ProxyHarness.start(singleBackend("127.0.0.1:" + closed, "", ""), Map.of())) {
            RawResponse response = proxy.exchange(get("/"));
            assertEquals(503, response.status());
            assertTrue(response.bodyText().startsWith("503 Service Unavailable"), response.bodyText());
            String log = proxy.nextLogLine();
            assertTrue(log.contains(" 503 ") && log.contains(" SC"), log);
        }
    }

    @Test
    void connectFailureIsRetriedOnAnotherServer() throws Exception {
        int closed = TestPorts.closedPort();
        try (TestHttpBackend live = TestHttpBackend.start("live");
             ProxyHarness proxy = ProxyHarness.start("""
                     defaults: { retries: 3 }
                     l7:
                       frontends:
                         web: { bind: "127.0.0.1:${PORT}", default-backend: pool }
                       backends:
                         pool:
                           servers: { dead: "127.0.0.1:${DEAD}", live: "${LIVE}" }
                     """, Map.of("DEAD", String.valueOf(closed), "LIVE", live.hostPort().toString()))) {
            for (int i = 0; i < 6; i++) {
                RawResponse response = proxy.exchange(get("/"));
                assertEquals(200, response.status());
                assertEquals("live", response.bodyText().trim());
            }
        }
    }

    @Test
    void serverThatNeverAnswersGets504AfterTimeoutServer() throws Exception {
        try (TestHttpBackend slow = TestHttpBackend.start("slow").hang();
             ProxyHarness proxy = ProxyHarness.start("""
                     defaults:
                       timeout: { server: 300ms }
                     l7:
                       frontends:
                         web: { bind: "127.0.0.1:${PORT}", default-backend: pool }
                       backends:
                         pool: { servers: { slow: "${SLOW}" } }
                     """, Map.of("SLOW", slow.hostPort().toString()))) {
            long start = System.nanoTime();
            RawResponse response = proxy.exchange(get("/"));
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertEquals(504, response.status());
            assertTrue(millis >= 250 && millis < 2000, "took " + millis + "ms");
        }
    }

    @Test
    void incompleteRequestHeadGets408AfterTimeoutHttpRequest() throws Exception {
        try (TestHttpBackend app = TestHttpBackend.start("app");
             ProxyHarness proxy = ProxyHarness.start("""
                     defaults:
                       timeout: { http-request: 300ms }
                     l7:
                       frontends:
                         web: { bind: "127.0.0.1:${PORT}", default-backend: pool }
                       backends:
                         pool: { servers: { app: "${APP}" } }
                     """, Map.of("APP", app.hostPort().toString()));
             Socket socket = proxy.connect()) {
            ProxyHarness.send(socket, "GET / HTTP/1.1\r\nHost: x\r\n");
            RawResponse response = RawResponse.read(socket.getInputStream());
            assertEquals(408, response.status());
            assertEquals(0, app.requests());
        }
    }

    @Test
    void idleKeepAliveConnectionClosesAfterTimeoutHttpKeepAlive() throws Exception {
        try (TestHttpBackend app = TestHttpBackend.start("app");
             ProxyHarness proxy = ProxyHarness.start("""
                     defaults:
                       timeout: { http-keep-alive: 300ms, http-request: 5s }
                     l7:
                       frontends:
                         web: { bind: "127.0.0.1:${PORT}", default-backend: pool }
                       backends:
                         pool: { servers: { app: "${APP}" } }
                     """, Map.of("APP", app.hostPort().toString()));
             Socket socket = proxy.connect()) {
            ProxyHarness.send(socket, get("/"));
            assertEquals(200, RawResponse.read(socket.getInputStream()).status());
            long start = System.nanoTime();
            assertTrue(ProxyHarness.closedByPeer(socket));
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(millis >= 200 && millis < 3000, "closed after " + millis + "ms");
        }
    }

    @Test
    void garbageFromTheServerIsAnswered502() throws Exception {
        try (java.net.ServerSocket broken = new java.net.ServerSocket(0, 10, java.net.InetAddress.getLoopbackAddress())) {
            Thread server = new Thread(() -> {
                try (Socket s = broken.accept()) {
                    s.getInputStream().read(new byte[1024]);
                    s.getOutputStream().write("NOT HTTP AT ALL\r\n\r\n".getBytes());
                    s.getOutputStream().flush();
                    Thread.sleep(200);
                } catch (Exception ignored) {
                    // the test asserts on what the client saw
                }
            });
            server.start();
            try (ProxyHarness proxy = ProxyHarness.start(
                    singleBackend("127.0.0.1:" + broken.getLocalPort(), "", ""), Map.of())) {
                assertEquals(502, proxy.exchange(get("/")).status());
            }
            server.join(2000);
        }
    }

    @Test
    void clientSuppliedForwardedForIsReplacedUnlessThePeerIsTrusted() throws Exception {
        try (EchoBackend echo = new EchoBackend()) {
            try (ProxyHarness proxy = ProxyHarness.start(
                    singleBackend(echo.address(), "", "  forwardfor: true"), Map.of())) {
                String seen = proxy.exchange("GET /headers HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 6.6.6.6\r\n\r\n")
                        .bodyText();
                assertTrue(seen.contains("x-forwarded-for: 127.0.0.1\n"), seen);
                assertFalse(seen.contains("6.6.6.6"), seen);
                assertTrue(seen.contains("x-forwarded-proto: http\n"), seen);
            }
            try (ProxyHarness proxy = ProxyHarness.start(
                    singleBackend(echo.address(), "", "  forwardfor: { except: 127.0.0.0/8 }"), Map.of())) {
                String seen = proxy.exchange("GET /headers HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 6.6.6.6\r\n\r\n")
                        .bodyText();
                assertTrue(seen.contains("x-forwarded-for: 6.6.6.6\n"), seen);
            }
        }
    }

    @Test
    void hopByHopHeadersAndThoseNamedInConnectionDoNotReachTheServer() throws Exception {
        try (EchoBackend echo = new EchoBackend();
             ProxyHarness proxy = ProxyHarness.start(singleBackend(echo.address(), "", ""), Map.of())) {
            String seen = proxy.exchange("GET /headers HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, X-Secret\r\n"
                    + "X-Secret: 1\r\nKeep-Alive: timeout=5\r\nProxy-Connection: keep-alive\r\nX-Kept: yes\r\n\r\n")
                    .bodyText();
            assertFalse(seen.contains("x-secret"), seen);
            assertFalse(seen.contains("keep-alive: "), seen);
            assertFalse(seen.contains("proxy-connection"), seen);
            assertTrue(seen.contains("x-kept: yes"), seen);
        }
    }

    @Test
    void chunkedAndContentLengthBodiesReachTheServerIntact() throws Exception {
        byte[] body = EchoBackend.pattern(3_000_000);
        String expected = body.length + " " + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        try (EchoBackend echo = new EchoBackend();
             ProxyHarness proxy = ProxyHarness.start(singleBackend(echo.address(), "", ""), Map.of());
             Socket socket = proxy.connect()) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes());
            out.write(body);
            out.flush();
            assertEquals(expected, RawResponse.read(socket.getInputStream()).bodyText());

            out.write("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n".getBytes());
            for (int offset = 0; offset < body.length; offset += 100_000) {
                int n = Math.min(100_000, body.length - offset);
                out.write((Integer.toHexString(n) + "\r\n").getBytes());
                out.write(body, offset, n);
                out.write("\r\n".getBytes());
            }
            out.write("0\r\n\r\n".getBytes());
            out.flush();
            assertEquals(expected, RawResponse.read(socket.getInputStream()).bodyText());
        }
    }

    @Test
    void largeResponseStreamsToTheClientByteForByte() throws Exception {
        long size = 64L * 1024 * 1024;
        try (EchoBackend echo = new EchoBackend();
             ProxyHarness proxy = ProxyHarness.start(singleBackend(echo.address(), "", ""), Map.of());
             Socket socket = proxy.connect()) {
            ProxyHarness.send(socket, get("/bytes?n=" + size));
            InputStream in = socket.getInputStream();
            String status = RawResponse.line(in);
            assertTrue(status.startsWith("HTTP/1.1 200"), status);
            RawResponse response = RawResponse.read(new java.io.SequenceInputStream(
                    new java.io.ByteArrayInputStream((status + "\r\n").getBytes()), in));
            assertEquals(size, response.body().length);
            byte[] block = EchoBackend.pattern(65536);
            for (int i = 0; i < response.body().length; i += 65536) {
                assertEquals(block[0], response.body()[i]);
            }
        }
    }

    @Test
    void expectContinueIsRelayedBeforeTheBodyIsSent() throws Exception {
        try (EchoBackend echo = new EchoBackend();
             ProxyHarness proxy = ProxyHarness.start(singleBackend(echo.address(), "", ""), Map.of());
             Socket socket = proxy.connect()) {
            ProxyHarness.send(socket, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                    + "Expect: 100-continue\r\n\r\n");
            String interim = RawResponse.line(socket.getInputStream());
            assertTrue(interim.startsWith("HTTP/1.1 100"), interim);
            while (!RawResponse.line(socket.getInputStream()).isEmpty()) {
                // rest of the interim head
            }
            ProxyHarness.send(socket, "hello");
            RawResponse response = RawResponse.read(socket.getInputStream());
            assertTrue(response.bodyText().startsWith("5 "), response.bodyText());
        }
    }

    @Test
    void contentLengthWithTransferEncodingIsRejectedAndNeverReachesTheServer() throws Exception {
        try (TestHttpBackend app = TestHttpBackend.start("app");
             ProxyHarness proxy = ProxyHarness.start(singleBackend(app.hostPort().toString(), "", ""), Map.of());
             Socket socket = proxy.connect()) {
            ProxyHarness.send(socket, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n");
            RawResponse response = RawResponse.read(socket.getInputStream());
            assertEquals(400, response.status());
            assertEquals("close", response.header("Connection"));
            assertTrue(ProxyHarness.closedByPeer(socket));
            assertEquals(0, app.requests());
        }
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws Exception {
        try (TestHttpBackend app = TestHttpBackend.start("app");
             ProxyHarness proxy = ProxyHarness.start(singleBackend(app.hostPort().toString(), "", ""), Map.of());
             Socket socket = proxy.connect()) {
            ProxyHarness.send(socket, get("/one") + get("/two") + get("/three"));
            for (int i = 0; i < 3; i++) {
                assertEquals(200, RawResponse.read(socket.getInputStream()).status());
            }
            assertEquals(3, app.requests());
            assertEquals("GET /three", app.lastRequestLine());
        }
    }

    @Test
    void denyAndRedirectRulesAnswerWithoutTheServer() throws Exception {
        try (TestHttpBackend app = TestHttpBackend.start("app");
             ProxyHarness proxy = ProxyHarness.start("""
                     l7:
                       frontends:
                         web:
                           bind: 127.0.0.1:${PORT}
                           acl:
                             is_admin: path_beg /admin
                           http-request:
                             - deny deny_status 403 if is_admin
                             - redirect scheme https code 301 if !{ ssl_fc } { path /secure }
                           default-backend: pool
                       backends:
                         pool: { servers: { app: "${APP}" } }
                     """, Map.of("APP", app.hostPort().toString()))) {
            assertEquals(403, proxy.exchange(get("/admin/x")).status());
            RawResponse redirect = proxy.exchange(get("/secure"));
            assertEquals(301, redirect.status());
            assertEquals("https://example.com/secure", redirect.header("Location"));
            assertEquals(200, proxy.exchange(get("/other")).status());
            assertEquals(1, app.requests());
        }
    }

    @Test
    void maxconnQueuesRequestsAndTimesOutWith503() throws Exception {
        try (TestHttpBackend slow = TestHttpBackend.start("slow").hang();
             ProxyHarness proxy = ProxyHarness.start("""
                     defaults:
                       timeout: { queue: 300ms, server: 3s }
                     l7:
                       frontends:
                         web: { bind: "127.0.0.1:${PORT}", default-backend: pool }
                       backends:
                         pool: { servers: { slow: { address: "${SLOW}", maxconn: 1 } } }
                     """, Map.of("SLOW", slow.hostPort().toString()));
             Socket first = proxy.connect()) {
            ProxyHarness.send(first, get("/hold"));
            Await.until("the first request holds the only slot", () -> slow.requests() == 1);
            long start = System.nanoTime();
            RawResponse queued = proxy.exchange(get("/queued"));
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertEquals(503, queued.status());
            assertTrue(millis >= 250 && millis < 2000, "queued for " + millis + "ms");
            assertEquals(1, slow.requests(), "the queued request never reached the full server");
        }
    }

    @Test
    void healthCheckTakesAFailingServerOutOfRotation() throws Exception {
        try (TestHttpBackend good = TestHttpBackend.start("good");
             TestHttpBackend bad = TestHttpBackend.start("bad").respondWith(503);
             ProxyHarness proxy = ProxyHarness.start("""
                     l7:
                       frontends:
                         web: { bind: "127.0.0.1:${PORT}", default-backend: pool }
                       backends:
                         pool:
                           check: { http: GET /health, inter: 200ms, fall: 2, rise: 2 }
                           servers: { good: "${GOOD}", bad: "${BAD}" }
                     """, Map.of("GOOD", good.hostPort().toString(), "BAD", bad.hostPort().toString()))) {
            Await.until("bad DOWN", () -> proxy.snapshot.backends().get("pool").servers().stream()
                    .noneMatch(s -> s.name().equals("bad") && s.isUp()));
            for (int i = 0; i < 6; i++) {
                assertEquals("good", proxy.exchange(get("/")).bodyText().trim());
            }
        }
    }

    @Test
    void accessLogHasOneHttplogLinePerRequest() throws Exception {
        try (TestHttpBackend app = TestHttpBackend.start("app");
             ProxyHarness proxy = ProxyHarness.start(singleBackend(app.hostPort().toString(), "", ""), Map.of())) {
            proxy.exchange(get("/logged?x=1"));
            String line = proxy.nextLogLine();
            assertTrue(line.matches("127\\.0\\.0\\.1:\\d+ \\[[^]]+] web pool/s1 \\d+/\\d+/\\d+/\\d+/\\d+ 200 \\d+ - - "
                    + "---- 0 \"GET /logged\\?x=1 HTTP/1.1\""), line);
        }
    }

    @Test
    void anIpv6ClientIsWrittenCompressedInBracketsInTheLogAndCompressedInForwardedFor() throws Exception {
        try (EchoBackend echo = new EchoBackend();
             ProxyHarness proxy = ProxyHarness.start(singleBackend(echo.address(), "", "  forwardfor: true")
                     .replace("bind: 127.0.0.1:${PORT}", "bind: \"[::1]:${PORT}\""), Map.of());
             Socket socket = new Socket(InetAddress.getByName("::1"), proxy.port)) {
            socket.setSoTimeout(5000);
            ProxyHarness.send(socket, "GET /headers HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            String seen = RawResponse.read(socket.getInputStream()).bodyText();
            assertTrue(seen.contains("x-forwarded-for: ::1\n"), seen);
            String line = proxy.nextLogLine();
            assertTrue(line.matches("\\[::1]:\\d+ \\[.*"), line);
        }
    }

    @Test
    void requestsWithoutAnyBodyKeepTheConnectionAfterALocalRedirect() throws IOException {
        // covered by denyAndRedirectRulesAnswerWithoutTheServer on separate connections; here: same connection
        try (TestHttpBackend app = TestHttpBackend.start("app");
             ProxyHarness proxy = ProxyHarness.start("""
                     l7:
                       frontends:
                         web:
                           bind: 127.0.0.1:${PORT}
                           http-request:
                             - redirect prefix /new code 302 if { path_beg /old }
                           default-backend: pool
                       backends:
                         pool: { servers: { app: "${APP}" } }
                     """, Map.of("APP", app.hostPort().toString()));
             Socket socket = proxy.connect()) {
            ProxyHarness.send(socket, get("/old/page"));
            RawResponse redirect = RawResponse.read(socket.getInputStream());
            assertEquals(302, redirect.status());
            assertEquals("/new/old/page", redirect.header("Location"));
            ProxyHarness.send(socket, get("/fine"));
            assertEquals(200, RawResponse.read(socket.getInputStream()).status());
        }
    }

    @Test
    void clientThatShutsDownItsSendingSideStillGetsEveryPipelinedResponse() throws Exception {
        try (TestHttpBackend app = TestHttpBackend.start("app");
             ProxyHarness proxy = ProxyHarness.start(singleBackend(app.hostPort().toString(), "", ""), Map.of());
             Socket socket = proxy.connect()) {
            ProxyHarness.send(socket, get("/one") + get("/two"));
            socket.shutdownOutput();
            assertEquals(200, RawResponse.read(socket.getInputStream()).status());
            assertEquals(200, RawResponse.read(socket.getInputStream()).status());
            assertTrue(ProxyHarness.closedByPeer(socket));
        }
    }

    @Test
    void acceptProxyBindTakesTheClientAddressFromTheProxyHeader() throws Exception {
        try (EchoBackend echo = new EchoBackend();
             ProxyHarness proxy = ProxyHarness.start("""
                     defaults: { forwardfor: true }
                     l7:
                       frontends:
                         web: { bind: "127.0.0.1:${PORT} accept-proxy", default-backend: pool }
                       backends:
                         pool: { servers: { echo: "${ECHO}" } }
                     """, Map.of("ECHO", echo.address()))) {
            String seen = proxy.exchange("PROXY TCP4 198.18.0.5 127.0.0.1 5555 80\r\n"
                    + "GET /headers HTTP/1.1\r\nHost: x\r\n\r\n").bodyText();
            assertTrue(seen.contains("x-forwarded-for: 198.18.0.5\n"), seen);
            String log = proxy.nextLogLine();
            assertTrue(log.startsWith("198.18.0.5:5555 "), log);
            try (Socket bad = proxy.connect()) {
                ProxyHarness.send(bad, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
                assertTrue(ProxyHarness.closedByPeer(bad), "a connection without a PROXY header is closed");
            }
        }
    }

    @Test
    void aBadProxyHeaderIsLoggedOncePerConnectionAndAtMostOnceEveryTenSeconds() throws Exception {
        try (LogLines logs = LogLines.capture();
             ProxyHarness proxy = ProxyHarness.start("""
                     l7:
                       frontends:
                         web: { bind: "127.0.0.1:${PORT} accept-proxy", default-backend: pool }
                       backends:
                         pool: { servers: { a: 127.0.0.1:9 } }
                     """, Map.of())) {
            String refused = "frontend web: closed connection from 127.0.0.1:";
            sendWithoutProxyHeader(proxy);
            Await.until(() -> "the first refusal is logged at once: " + logs.all(),
                    () -> logs.containing(refused).size() == 1);
            long quietFrom = System.nanoTime();
            for (int i = 0; i < 20; i++) {
                sendWithoutProxyHeader(proxy);
            }
            Await.until("every connection closed", () -> proxy.proxy.activeConnections() == 0);
            assertEquals(1, logs.containing(refused).size(), () -> logs.all().toString());
            // Once the quiet period is over, the next refusal is logged with the count of those left out.
            long wait = TimeUnit.SECONDS.toMillis(RateLimitedLog.QUIET_SECONDS)
                    - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - quietFrom) + 100;
            Thread.sleep(Math.max(0, wait)); // the quiet period passes
            sendWithoutProxyHeader(proxy);
            Await.until(() -> "a second line: " + logs.all(), () -> logs.containing(refused).size() == 2);
            String second = logs.containing(refused).get(1);
            assertTrue(second.endsWith("missing or malformed PROXY header on an accept-proxy bind; "
                    + "20 more since the last report"), second);
        }
    }

    private static void sendWithoutProxyHeader(ProxyHarness proxy) throws IOException {
        try (Socket bad = proxy.connect()) {
            ProxyHarness.send(bad, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            assertTrue(ProxyHarness.closedByPeer(bad), "a connection without a PROXY header is closed");
        }
    }

    @Test
    void aBindOnAnAddressThisHostDoesNotHoldYetStartsLikeAVrrpBackupNeeds() throws Exception {
        // 198.18.0.250 is on no interface here: the listener only binds it (no packet is sent anywhere).
        try (ProxyHarness proxy = ProxyHarness.start("""
                l7:
                  frontends:
                    web: { bind: "198.18.0.250:${PORT}", default-backend: pool }
                  backends:
                    pool: { servers: { a: 127.0.0.1:9 } }
                """, Map.of())) {
            assertEquals(0, proxy.proxy.activeConnections());
        }
    }
}
