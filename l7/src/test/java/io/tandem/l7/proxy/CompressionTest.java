package io.tandem.l7.proxy;

import io.tandem.core.testing.Await;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPInputStream;
import java.util.zip.InflaterInputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code compression}: which responses are compressed follows HAProxy's rules, and bodies stream compressed. */
class CompressionTest {
    private final Queue<String> acceptEncodings = new ConcurrentLinkedQueue<>();
    static final String BODY = "<html>" + "the same words again and again, ".repeat(200) + "</html>\n";

    private static String config(String backendCompression) {
        return """
                l7:
                  frontends:
                    web:
                      bind: 127.0.0.1:${PORT}
                      compression: { algo: gzip, type: [text/html, text/plain, application/json] }
                      default-backend: app
                  backends:
                    app:
                      %s
                      servers: { s1: "${BACKEND}" }
                """.formatted(backendCompression);
    }

    /** Answers each target as its name says: a content type, an encoding, a status, a framing. */
    private boolean answer(ScriptedBackend.Request request, ScriptedBackend.Peer peer) throws IOException {
        String accepted = request.header("Accept-Encoding");
        acceptEncodings.add(accepted == null ? "(none)" : accepted);
        return answerByTarget(request, peer);
    }

    /** The targets below, shared with {@link HaproxyDifferentialTest}; the body of each is {@link #BODY}. */
    static final String[] TARGETS = {"/html", "/json-chunked", "/plain", "/png", "/encoded", "/no-transform",
        "/not-found", "/no-type", "/empty", "/two-etags", "/204", "/304"};

    static boolean answerByTarget(ScriptedBackend.Request request, ScriptedBackend.Peer peer) throws IOException {
        byte[] body = BODY.getBytes(StandardCharsets.UTF_8);
        String head = switch (request.target()) {
            case "/html" -> "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nETag: \"v1\"\r\n";
            case "/json-chunked" -> "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n";
            case "/png" -> "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\n";
            case "/encoded" -> "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: br\r\n";
            case "/no-transform" -> "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nCache-Control: no-transform\r\n";
            case "/not-found" -> "HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\n";
            case "/no-type" -> "HTTP/1.1 200 OK\r\n";
            case "/empty" -> "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 0\r\n\r\n";
            case "/two-etags" -> "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nETag: \"a\"\r\nETag: \"b\"\r\n";
            case "/204" -> "HTTP/1.1 204 No Content\r\n\r\n";
            case "/304" -> "HTTP/1.1 304 Not Modified\r\nContent-Type: text/html\r\nETag: \"v1\"\r\n\r\n";
            default -> "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n";
        };
        if (head.endsWith("\r\n\r\n")) {
            peer.write(head);
        } else if (request.target().equals("/json-chunked")) {
            peer.write(head + "Transfer-Encoding: chunked\r\n\r\n");
            String half = BODY.substring(0, BODY.length() / 2);
            String rest = BODY.substring(half.length());
            peer.write(Integer.toHexString(half.length()) + "\r\n" + half + "\r\n"
                    + Integer.toHexString(rest.length()) + "\r\n" + rest + "\r\n0\r\n\r\n");
        } else if (request.method().equals("HEAD")) {
            peer.write(head + "Content-Length: " + body.length + "\r\n\r\n");
        } else {
            peer.write(head + "Content-Length: " + body.length + "\r\n\r\n" + BODY);
        }
        return true;
    }

    private static String get(String target, String acceptEncoding) {
        return "GET " + target + " HTTP/1.1\r\nHost: x\r\n"
                + (acceptEncoding == null ? "" : "Accept-Encoding: " + acceptEncoding + "\r\n") + "\r\n";
    }

    static byte[] gunzip(byte[] compressed) throws IOException {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(compressed))) {
            return in.readAllBytes();
        }
    }

    @Test
    void aListedTypeIsGzippedForAClientThatAcceptsGzipAndGunzipsToTheServersBody() throws Exception {
        try (ScriptedBackend backend = new ScriptedBackend(this::answer);
             ProxyHarness proxy = ProxyHarness.start(config(""), Map.of("BACKEND", backend.address()))) {
            for (String target : new String[] {"/html", "/json-chunked", "/plain"}) {
                RawResponse response = proxy.exchange(get(target, "deflate;q=0.5, gzip"));
                assertEquals(200, response.status(), target);
                assertEquals("gzip", response.header("Content-Encoding"), target);
                assertEquals("Accept-Encoding", response.header("Vary"), target);
                assertNull(response.header("Content-Length"), target);
                assertEquals("chunked", response.header("Transfer-Encoding"), target);
                assertEquals(BODY, new String(gunzip(response.body()), StandardCharsets.UTF_8), target);
                assertTrue(response.body().length < BODY.length() / 4, target + " is smaller compressed");
            }
            assertEquals("W/\"v1\"", proxy.exchange(get("/html", "gzip")).header("ETag"),
                    "a strong ETag becomes weak once the body is compressed");
            assertTrue(acceptEncodings.contains("deflate;q=0.5, gzip"),
                    "without offload the server sees the client's Accept-Encoding: " + acceptEncodings);
        }
    }

    @Test
    void curlCompressedReceivesTheServersBodyGzipped() throws Exception {
        try (ScriptedBackend backend = new ScriptedBackend(this::answer);
             ProxyHarness proxy = ProxyHarness.start(config(""), Map.of("BACKEND", backend.address()))) {
            Process curl = new ProcessBuilder("curl", "-sS", "--compressed", "-D", "-",
                    "http://127.0.0.1:" + proxy.port + "/html").redirectErrorStream(true).start();
            String output;
            try {
                output = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(curl.waitFor(20, TimeUnit.SECONDS), "curl ends");
            } finally {
                curl.destroyForcibly();
            }
            assertEquals(0, curl.exitValue(), output);
            String lower = output.toLowerCase(java.util.Locale.ROOT);
            assertTrue(lower.contains("content-encoding: gzip"), output);
            assertTrue(output.endsWith("\r\n\r\n" + BODY), "curl decoded the server's body: " + output);
        }
    }

    @Test
    void responsesHaproxyWouldNotCompressPassUntouched() throws Exception {
        try (ScriptedBackend backend = new ScriptedBackend(this::answer);
             ProxyHarness proxy = ProxyHarness.start(config(""), Map.of("BACKEND", backend.address()))) {
            String[][] cases = {
                {"/html", null, "no Accept-Encoding"},
                {"/html", "gzip;q=0", "gzip refused with q=0"},
                {"/html", "br", "no configured algorithm accepted"},
                {"/png", "gzip", "a type not in the list"},
                {"/no-type", "gzip", "no Content-Type while types are listed"},
                {"/encoded", "gzip", "already encoded"},
                {"/no-transform", "gzip", "Cache-Control: no-transform"},
                {"/not-found", "gzip", "a status other than 200-203"},
                {"/two-etags", "gzip", "two ETags"},
            };
            for (String[] c : cases) {
                RawResponse response = proxy.exchange(get(c[0], c[1]));
                String encoding = c[0].equals("/encoded") ? "br" : null;
                assertEquals(encoding, response.header("Content-Encoding"), c[2]);
                assertEquals(String.valueOf(BODY.length()), response.header("Content-Length"), c[2]);
                assertEquals(BODY, response.bodyText(), c[2]);
            }
            RawResponse empty = proxy.exchange(get("/empty", "gzip"));
            assertNull(empty.header("Content-Encoding"), "an empty body");
            assertEquals("0", empty.header("Content-Length"), "an empty body");
            RawResponse http10 = proxy.exchange("GET /html HTTP/1.0\r\nAccept-Encoding: gzip\r\n\r\n");
            assertNull(http10.header("Content-Encoding"), "an HTTP/1.0 client");
            assertEquals(BODY, http10.bodyText(), "an HTTP/1.0 client");
            try (Socket socket = proxy.connect()) {
                ProxyHarness.send(socket, "HEAD /html HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n"
                        + get("/204", "gzip") + get("/304", "gzip"));
                RawResponse head = RawResponse.read(socket.getInputStream(), true);
                assertNull(head.header("Content-Encoding"), "HEAD");
                assertEquals(String.valueOf(BODY.length()), head.header("Content-Length"), "HEAD");
                RawResponse noContent = RawResponse.read(socket.getInputStream());
                assertEquals(204, noContent.status());
                assertNull(noContent.header("Content-Encoding"), "204");
                RawResponse notModified = RawResponse.read(socket.getInputStream());
                assertEquals(304, notModified.status());
                assertNull(notModified.header("Content-Encoding"), "304");
                assertEquals("\"v1\"", notModified.header("ETag"), "304");
            }
        }
    }

    @Test
    void theBackendsAlgoWinsAndOffloadWithholdsAcceptEncodingFromTheServer() throws Exception {
        String backendCompression = "compression: { algo: deflate, offload: true }";
        try (ScriptedBackend backend = new ScriptedBackend(this::answer);
             ProxyHarness proxy = ProxyHarness.start(config(backendCompression),
                     Map.of("BACKEND", backend.address()))) {
            RawResponse response = proxy.exchange(get("/html", "gzip, deflate"));
            assertEquals("deflate", response.header("Content-Encoding"));
            try (InputStream in = new InflaterInputStream(new ByteArrayInputStream(response.body()))) {
                assertEquals(BODY, new String(in.readAllBytes(), StandardCharsets.UTF_8), "zlib format");
            }
            assertTrue(acceptEncodings.stream().allMatch("(none)"::equals),
                    "offload strips Accept-Encoding: " + acceptEncodings);
            RawResponse png = proxy.exchange(get("/png", "deflate"));
            assertNull(png.header("Content-Encoding"), "the frontend's type list still applies");
        }
    }

    @Test
    void aLargeBodyStreamsCompressedAtTheSlowClientsPace() throws Exception {
        int total = 48 << 20;
        int chunk = 16 << 10;
        AtomicLong written = new AtomicLong();
        MessageDigest sent = MessageDigest.getInstance("SHA-256");
        ScriptedBackend.Script stream = (request, peer) -> {
            peer.write("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + total + "\r\n\r\n");
            Random random = new Random(15);
            byte[] bytes = new byte[chunk];
            for (int left = total; left > 0; left -= chunk) {
                // Random bytes do not compress: what the client has not read stays as large as the original.
                random.nextBytes(bytes);
                sent.update(bytes);
                peer.out.write(bytes);
                written.addAndGet(chunk);
            }
            peer.out.flush();
            return true;
        };
        try (ScriptedBackend backend = new ScriptedBackend(stream);
             ProxyHarness proxy = ProxyHarness.start(config(""), Map.of("BACKEND", backend.address()));
             Socket socket = new Socket()) {
            socket.setReceiveBufferSize(64 << 10);
            socket.connect(new java.net.InetSocketAddress("127.0.0.1", proxy.port));
            socket.setSoTimeout(20000);
            ProxyHarness.send(socket, get("/big", "gzip"));
            Await.until("the server has sent 1 MB", () -> written.get() > (1 << 20));
            long[] last = {-1};
            int[] unchanged = {0};
            Await.until("the server is held back while the client reads nothing", () -> {
                long now = written.get();
                unchanged[0] = now == last[0] ? unchanged[0] + 1 : 0;
                last[0] = now;
                return unchanged[0] >= 100;
            });
            assertTrue(written.get() < total * 3L / 4, "the proxy did not take the whole body: " + written.get());
            RawResponse response = RawResponse.read(socket.getInputStream());
            assertEquals("gzip", response.header("Content-Encoding"));
            byte[] body = gunzip(response.body());
            assertEquals(total, body.length);
            assertArrayEquals(sent.digest(), MessageDigest.getInstance("SHA-256").digest(body));
        }
    }
}
