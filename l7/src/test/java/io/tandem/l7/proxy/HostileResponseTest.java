package io.tandem.l7.proxy;

import io.tandem.core.testing.Await;
import io.tandem.core.testing.NettyLeakCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Servers that answer with responses the proxy cannot pass on unambiguously: a raw server writes the bytes, a real
 * client asks through the proxy. A bad head is answered 502; a body whose framing breaks ends the client's
 * connection without a complete response; either way the server connection is closed (never pooled, never
 * hung on) and the proxy serves the next client.
 */
@ExtendWith(NettyLeakCheck.class)
class HostileResponseTest {
    private static final String CONFIG = """
            defaults:
              timeout: { connect: 1s, client: 5s, server: 5s, http-request: 2s, http-keep-alive: 2s, queue: 1s }
              retries: 0
            l7:
              frontends:
                web: { bind: "127.0.0.1:${PORT}", default-backend: pool }
              backends:
                pool:
                  servers: { s1: "${APP}" }
            """;

    private static final String OK_HEAD = "HTTP/1.1 200 OK\r\n";

    static Stream<Arguments> badHeads() {
        return Stream.of(
                Arguments.of("not HTTP", "ICY 200 OK\r\n\r\n"),
                Arguments.of("HTTP/2.0 status line", "HTTP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n"),
                Arguments.of("lower-case version", "http/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
                Arguments.of("letters in the status code", "HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n"),
                Arguments.of("four-digit status code", "HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n"),
                Arguments.of("status code out of range", "HTTP/1.1 600 Odd\r\nContent-Length: 0\r\n\r\n"),
                Arguments.of("control byte in the reason", "HTTP/1.1 200 O\u0001K\r\nContent-Length: 0\r\n\r\n"),
                Arguments.of("status line over 8 KiB", "HTTP/1.1 200 " + "A".repeat(9000) + "\r\n\r\n"),
                Arguments.of("space in a header name", OK_HEAD + "Bad Name: x\r\nContent-Length: 0\r\n\r\n"),
                Arguments.of("whitespace before the colon", OK_HEAD + "X-A : b\r\nContent-Length: 0\r\n\r\n"),
                Arguments.of("header line without a colon", OK_HEAD + "NoColon\r\nContent-Length: 0\r\n\r\n"),
                Arguments.of("obsolete line folding", OK_HEAD + "X-A: b\r\n c\r\nContent-Length: 0\r\n\r\n"),
                Arguments.of("NUL in a header value", OK_HEAD + "X-A: b\u0000c\r\nContent-Length: 0\r\n\r\n"),
                Arguments.of("bare CR in a header value", OK_HEAD + "X-A: b\rc\r\nContent-Length: 0\r\n\r\n"),
                Arguments.of("conflicting Content-Length",
                        OK_HEAD + "Content-Length: 2\r\nContent-Length: 3\r\n\r\nok"),
                Arguments.of("Content-Length as a list", OK_HEAD + "Content-Length: 2, 2\r\n\r\nok"),
                Arguments.of("negative Content-Length", OK_HEAD + "Content-Length: -1\r\n\r\nok"),
                Arguments.of("Content-Length with Transfer-Encoding",
                        OK_HEAD + "Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"),
                Arguments.of("chunked not the last coding",
                        OK_HEAD + "Transfer-Encoding: chunked, gzip\r\n\r\n2\r\nok\r\n0\r\n\r\n"),
                Arguments.of("Transfer-Encoding in HTTP/1.0",
                        "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"),
                Arguments.of("header section over 64 KiB",
                        OK_HEAD + "X-Big: " + "b".repeat(70_000) + "\r\nContent-Length: 0\r\n\r\n"),
                Arguments.of("too many header fields",
                        OK_HEAD + "X-Many: m\r\n".repeat(300) + "Content-Length: 0\r\n\r\n"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badHeads")
    void aResponseWithABadHeadIsAnswered502AndTheServerConnectionIsClosed(String what, String bytes)
            throws Exception {
        try (ScriptedBackend backend = new ScriptedBackend(ScriptedBackend.answering("/hostile", bytes, true));
             ProxyHarness proxy = ProxyHarness.start(CONFIG, Map.of("APP", backend.address()));
             Socket client = proxy.connect()) {
            ProxyHarness.send(client, get("/hostile"));
            assertEquals(502, RawResponse.read(client.getInputStream()).status(), what);
            assertTrue(ProxyHarness.closedByPeer(client), what + ": the client connection stayed open");
            Await.until(() -> what + ": the server connection stayed open", () -> backend.closedByProxy() == 1);
            awaitLogLine(proxy, "/hostile", " 502 ", "SH--");
            assertServesTheNextClient(proxy);
        }
    }

    @Test
    void aServerClosingWithoutAByteIsAnswered502() throws Exception {
        try (ScriptedBackend backend = new ScriptedBackend(ScriptedBackend.answering("/silent", "", false));
             ProxyHarness proxy = ProxyHarness.start(CONFIG, Map.of("APP", backend.address()));
             Socket client = proxy.connect()) {
            ProxyHarness.send(client, get("/silent"));
            assertEquals(502, RawResponse.read(client.getInputStream()).status());
            assertTrue(ProxyHarness.closedByPeer(client));
            awaitLogLine(proxy, "/silent", " 502 ", "SH--");
            assertServesTheNextClient(proxy);
        }
    }

    @Test
    void aBodyCutShortByTheServerEndsTheClientConnectionShort() throws Exception {
        String received = receivedUntilClose("/short", OK_HEAD + "Content-Length: 10\r\n\r\nok", false, " 200 ",
                "SD--");
        // The 200 head and the two bytes may reach the client; the connection then ends 8 bytes short.
        assertTrue(received.isEmpty() || received.startsWith(OK_HEAD) && received.endsWith("\r\n\r\nok"), received);
    }

    @Test
    void aServerClosingInsideItsResponseHeadIsAnswered502() throws Exception {
        ScriptedBackend.Script cut = ScriptedBackend.answering("/cut", OK_HEAD + "Content-Le", false);
        try (ScriptedBackend backend = new ScriptedBackend(cut);
             ProxyHarness proxy = ProxyHarness.start(CONFIG, Map.of("APP", backend.address()));
             Socket client = proxy.connect()) {
            ProxyHarness.send(client, get("/cut"));
            assertEquals(502, RawResponse.read(client.getInputStream()).status());
            assertTrue(ProxyHarness.closedByPeer(client));
            assertServesTheNextClient(proxy);
        }
    }

    static Stream<Arguments> badChunks() {
        String chunked = OK_HEAD + "Transfer-Encoding: chunked\r\n\r\n";
        return Stream.of(
                Arguments.of("letters as the chunk size", chunked + "zz\r\nok\r\n0\r\n\r\n"),
                Arguments.of("chunk size over 64 bits", chunked + "1" + "0".repeat(16) + "\r\nok\r\n0\r\n\r\n"),
                Arguments.of("chunk size line ended by a bare LF", chunked + "2\nok\r\n0\r\n\r\n"),
                Arguments.of("chunk data not followed by CRLF", chunked + "2\r\nokXX0\r\n\r\n"),
                Arguments.of("framing field in a trailer", chunked + "2\r\nok\r\n0\r\nContent-Length: 5\r\n\r\n"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badChunks")
    void aChunkedBodyWithBadFramingNeverReachesTheClientAsComplete(String what, String bytes) throws Exception {
        String received = receivedUntilClose("/hostile", bytes, true, " 200 ", "SD--");
        // The head may have left before the body broke (then the client sees it cut short), or not (then the
        // close comes with nothing or a 502): never a response that ends as if it were whole.
        assertFalse(received.startsWith(OK_HEAD) && received.endsWith("0\r\n\r\n"),
                what + ": the client got a complete response: " + received);
        assertFalse(received.contains("okXX"), what + ": bytes past the broken framing were relayed");
    }

    @Test
    void aRepeatedEqualContentLengthIsOneAndTheConnectionIsReused() throws Exception {
        ScriptedBackend.Script twice = ScriptedBackend.answering("/twice",
                OK_HEAD + "Content-Length: 2\r\nContent-Length: 2\r\n\r\nok", true);
        try (ScriptedBackend backend = new ScriptedBackend(twice);
             ProxyHarness proxy = ProxyHarness.start(CONFIG, Map.of("APP", backend.address()));
             Socket client = proxy.connect()) {
            InputStream in = client.getInputStream();
            ProxyHarness.send(client, get("/twice"));
            RawResponse response = RawResponse.read(in);
            assertEquals(200, response.status());
            assertEquals("ok", response.bodyText());
            assertEquals(1, response.headerLines().stream().filter(h -> h.startsWith("Content-Length")).count(),
                    response.headerLines()::toString);
            ProxyHarness.send(client, get("/next"));
            assertEquals("ok\n", RawResponse.read(in).bodyText());
            assertEquals(1, backend.accepted(), "the server connection stayed in step and was reused");
        }
    }

    @Test
    void chunkedTrailersReachAnHttp11ClientAndTheConnectionIsReused() throws Exception {
        ScriptedBackend.Script trailers = ScriptedBackend.answering("/trailers", OK_HEAD
                + "Transfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n\r\n"
                + "2\r\nok\r\n3;ext=1\r\n!!!\r\n0\r\nX-Checksum: abc\r\n\r\n", true);
        try (ScriptedBackend backend = new ScriptedBackend(trailers);
             ProxyHarness proxy = ProxyHarness.start(CONFIG, Map.of("APP", backend.address()));
             Socket client = proxy.connect()) {
            InputStream in = client.getInputStream();
            ProxyHarness.send(client, get("/trailers"));
            StringBuilder head = new StringBuilder();
            String line;
            while (!(line = RawResponse.line(in)).isEmpty()) {
                head.append(line).append('\n');
            }
            assertTrue(head.toString().contains("Transfer-Encoding: chunked"), head::toString);
            StringBuilder body = new StringBuilder();
            while (true) {
                int size = Integer.parseInt(RawResponse.line(in).split(";")[0], 16);
                if (size == 0) {
                    break;
                }
                body.append(new String(in.readNBytes(size), StandardCharsets.ISO_8859_1));
                assertEquals("", RawResponse.line(in));
            }
            assertEquals("ok!!!", body.toString());
            assertEquals("X-Checksum: abc", RawResponse.line(in));
            assertEquals("", RawResponse.line(in));
            ProxyHarness.send(client, get("/next"));
            assertEquals("ok\n", RawResponse.read(in).bodyText());
            assertEquals(1, backend.accepted(), "the server connection stayed in step and was reused");
        }
    }

    private static String get(String path) {
        return "GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n";
    }

    /** What the proxy sends until it closes the connection (a reset counts as the end too). */
    private static String readToEnd(InputStream in) {
        StringBuilder received = new StringBuilder();
        byte[] buf = new byte[8192];
        try {
            int n;
            while ((n = in.read(buf)) > 0) {
                received.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
            }
        } catch (IOException reset) {
            // the proxy reset the connection: the end as well
        }
        return received.toString();
    }

    /**
     * What a client asking for {@code path} receives until the proxy closes, from a server that answers
     * {@code bytes} and then keeps its connection open ({@code keepOpen}: the proxy must close it) or closes it.
     * Checks that the access line has {@code status} and {@code termination} and that the next client is served.
     */
    private static String receivedUntilClose(String path, String bytes, boolean keepOpen, String status,
            String termination) throws Exception {
        try (ScriptedBackend backend = new ScriptedBackend(ScriptedBackend.answering(path, bytes, keepOpen));
             ProxyHarness proxy = ProxyHarness.start(CONFIG, Map.of("APP", backend.address()));
             Socket client = proxy.connect()) {
            ProxyHarness.send(client, get(path));
            String received = readToEnd(client.getInputStream());
            if (keepOpen) {
                Await.until(() -> path + ": the server connection stayed open", () -> backend.closedByProxy() == 1);
            }
            awaitLogLine(proxy, path, status, termination);
            assertServesTheNextClient(proxy);
            return received;
        }
    }

    /** Waits for the access line of {@code path} with {@code status} and termination state {@code termination}. */
    private static void awaitLogLine(ProxyHarness proxy, String path, String status, String termination)
            throws InterruptedException {
        Await.until(() -> "no line with" + status + "and " + termination + " for " + path + " in " + proxy.accessLog,
                () -> proxy.accessLog.stream().anyMatch(line -> line.contains(status)
                        && line.contains(" " + termination + " ") && line.contains("\"GET " + path + " ")));
    }

    private static void assertServesTheNextClient(ProxyHarness proxy) throws Exception {
        Await.until(() -> proxy.proxy.activeConnections() + " client connection(s) still open",
                () -> proxy.proxy.activeConnections() == 0);
        NettyLeakCheck.collect();
        RawResponse next = proxy.exchange(get("/ok"));
        assertEquals(200, next.status(), "a new client after the hostile response");
    }
}
