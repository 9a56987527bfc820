package io.tandem.l7.proxy;

import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.tandem.core.testing.Await;
import io.tandem.core.testing.Prerequisites;
import io.tandem.core.testing.TestHttpBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** HTTP/2 with prior knowledge on a {@code proto h2} bind, with real clients: curl and h2load to HTTP/1.1 servers. */
class Http2ProxyTest {
    private static final Path CURL = Path.of("/usr/bin/curl");
    private static final Path H2LOAD = Path.of("/usr/bin/h2load");

    @TempDir
    Path dir;

    static String config(String servers) {
        return """
                l7:
                  frontends:
                    web:
                      bind: 127.0.0.1:${PORT} proto h2
                      default-backend: app
                  backends:
                    app:
                      balance: roundrobin
                      servers: { %s }
                """.formatted(servers);
    }

    @Test
    void getOverPriorKnowledgeReachesAnHttp11ServerAndIsLoggedAsHttp2() throws Exception {
        try (TestHttpBackend app = TestHttpBackend.start("app-1");
             ProxyHarness proxy = ProxyHarness.start(config("app-1: \"${APP}\""),
                     Map.of("APP", app.hostPort().toString()))) {
            Result result = curl(proxy, "-w", "\n%{http_version} %{http_code}", url(proxy, "/hello?x=1"));
            assertEquals("app-1\n\n2 200", result.out().strip());
            assertEquals("GET /hello?x=1", app.lastRequestLine());
            assertEquals("127.0.0.1:" + proxy.port, app.lastRequestHeader("Host"));
            String line = proxy.nextLogLine();
            assertTrue(line.contains("web app/app-1") && line.contains("\"GET /hello?x=1 HTTP/2.0\""), line);
        }
    }

    @Test
    void postBodyAndLargeResponseStreamWhole() throws Exception {
        try (EchoBackend echo = new EchoBackend();
             ProxyHarness proxy = ProxyHarness.start(config("echo: \"${ECHO}\""),
                     Map.of("ECHO", echo.address()))) {
            byte[] body = EchoBackend.pattern(3_000_000);
            Path file = dir.resolve("body");
            Files.write(file, body);
            Result posted = curl(proxy, "--data-binary", "@" + file, url(proxy, "/echo"));
            assertEquals(body.length + " " + HexFormat.of().formatHex(EchoBackend.sha256().digest(body)),
                    posted.out().strip());

            Path out = dir.resolve("out");
            curl(proxy, "-o", out.toString(), url(proxy, "/bytes?n=20000000"));
            byte[] got = Files.readAllBytes(out);
            assertEquals(20_000_000, got.length);
            byte[] block = EchoBackend.pattern(65536);
            for (int i = 0; i < got.length; i++) {
                if (got[i] != block[i % block.length]) {
                    throw new AssertionError("the large response differs at byte " + i);
                }
            }
        }
    }

    @Test
    void oneConnectionsStreamsAreBalancedOverThreeServersEachOnItsOwn() throws Exception {
        Prerequisites.requireExecutable(H2LOAD, "nghttp2-client");
        try (TestHttpBackend a = TestHttpBackend.start("a");
             TestHttpBackend b = TestHttpBackend.start("b");
             TestHttpBackend c = TestHttpBackend.start("c");
             ProxyHarness proxy = ProxyHarness.start(config("a: \"${A}\", b: \"${B}\", c: \"${C}\""),
                     Map.of("A", a.hostPort().toString(), "B", b.hostPort().toString(),
                             "C", c.hostPort().toString()))) {
            Result result = run(List.of(H2LOAD.toString(), "-c", "1", "-m", "10", "-n", "300",
                    url(proxy, "/")));
            assertTrue(result.out().contains("300 succeeded"), result.out());
            for (TestHttpBackend server : List.of(a, b, c)) {
                assertTrue(server.requests() >= 80 && server.requests() <= 120,
                        server.name() + " got " + server.requests() + " of 300");
            }
            assertEquals(300, a.requests() + b.requests() + c.requests());
        }
    }

    @Test
    void responseTrailersPassThroughToTheHttp2Client() throws Exception {
        Path nghttp = Path.of("/usr/bin/nghttp");
        Prerequisites.requireExecutable(nghttp, "nghttp2-client");
        String chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: x-checksum\r\n\r\n"
                + "5\r\nhello\r\n0\r\nx-checksum: abc123\r\n\r\n";
        try (ScriptedBackend server = new ScriptedBackend(ScriptedBackend.answering("/t", chunked, true));
             ProxyHarness proxy = ProxyHarness.start(config("s: \"${S}\""), Map.of("S", server.address()))) {
            Result result = run(List.of(nghttp.toString(), "-v", url(proxy, "/t")));
            assertTrue(result.out().contains("hello"), result.out());
            assertTrue(result.out().contains("x-checksum: abc123"), result.out());
        }
    }

    /**
     * The stream's flow-control window is the back-pressure: while the client grants no window, Tandem stops
     * reading the server's response, so the server is held back with far less than the body sent; once the client
     * grants window as it reads, the whole body arrives.
     */
    @Test
    void aClientThatGrantsNoWindowHoldsTheServerBack() throws Exception {
        long size = 64L << 20;
        AtomicLong written = new AtomicLong();
        AtomicLong lastWriteNanos = new AtomicLong(System.nanoTime());
        ScriptedBackend.Script big = (request, peer) -> {
            peer.write("HTTP/1.1 200 OK\r\nContent-Length: " + size + "\r\n\r\n");
            byte[] block = EchoBackend.pattern(65536);
            while (written.get() < size) {
                peer.out.write(block);
                written.addAndGet(block.length);
                lastWriteNanos.set(System.nanoTime());
            }
            peer.out.flush();
            return true;
        };
        try (ScriptedBackend server = new ScriptedBackend(big);
             ProxyHarness proxy = ProxyHarness.start(config("s: \"${S}\""), Map.of("S", server.address()));
             RawHttp2Client client = new RawHttp2Client(proxy)) {
            client.get(1, "/big");
            Await.until("the server held back (no write for 1 s)", () -> written.get() > 0
                    && System.nanoTime() - lastWriteNanos.get() > TimeUnit.SECONDS.toNanos(1));
            long held = written.get();
            assertTrue(held < size / 2, "the server wrote " + held + " of " + size + " bytes to a client that"
                    + " granted no window");
            long received = 0;
            boolean ended = false;
            while (!ended) {
                RawHttp2Client.Frame frame = client.next();
                assertNotNull(frame, "the connection ended after " + received + " bytes");
                if (frame.type() == RawHttp2Client.DATA && frame.stream() == 1) {
                    int length = frame.payload().length;
                    received += length;
                    if (length > 0) {
                        client.windowUpdate(0, length);
                        client.windowUpdate(1, length);
                    }
                    ended = (frame.flags() & RawHttp2Client.END_STREAM) != 0;
                } else {
                    client.decodeIfHeaders(frame);
                }
            }
            assertEquals(size, received);
        }
    }

    /**
     * A request body with trailers from an HTTP/2 client (HEADERS, DATA, trailing HEADERS; no content-length) goes
     * to the HTTP/1.1 server chunked, the trailers after its last chunk.
     */
    @Test
    void requestTrailersFromAnHttp2ClientReachAnHttp11ServerAsChunkedTrailers() throws Exception {
        CompletableFuture<String> seen = new CompletableFuture<>();
        ScriptedBackend.Script readChunked = (request, peer) -> {
            StringBuilder received = new StringBuilder(request.header("Transfer-Encoding")).append('\n');
            String line;
            while (!(line = RawResponse.line(peer.in)).equals("0")) {
                received.append(new String(peer.in.readNBytes(Integer.parseInt(line.trim(), 16)),
                        StandardCharsets.ISO_8859_1));
                RawResponse.line(peer.in);
            }
            while (!(line = RawResponse.line(peer.in)).isEmpty()) {
                received.append('\n').append(line);
            }
            seen.complete(received.toString());
            peer.write("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n");
            return true;
        };
        try (ScriptedBackend server = new ScriptedBackend(readChunked);
             ProxyHarness proxy = ProxyHarness.start(config("s: \"${S}\""), Map.of("S", server.address()));
             RawHttp2Client client = new RawHttp2Client(proxy)) {
            client.headers(1, false, client.requestBlock("POST", "/upload", "te", "trailers"));
            client.frame(RawHttp2Client.DATA, 0, 1, "hello ".getBytes(StandardCharsets.US_ASCII));
            client.frame(RawHttp2Client.DATA, 0, 1, "world".getBytes(StandardCharsets.US_ASCII));
            client.headers(1, true, client.block(new DefaultHttp2Headers().add("x-checksum", "abc123")));
            RawHttp2Client.Frame head = client.until(RawHttp2Client.HEADERS);
            assertNotNull(head, "no answer");
            assertEquals("200", client.decodeIfHeaders(head).status().toString());
            assertEquals("chunked\nhello world\nx-checksum: abc123", seen.get(10, TimeUnit.SECONDS));
        }
    }

    static String url(ProxyHarness proxy, String path) {
        return "http://127.0.0.1:" + proxy.port + path;
    }

    record Result(int exit, String out) {
    }

    static Result curl(ProxyHarness proxy, String... args) throws IOException, InterruptedException {
        Prerequisites.requireExecutable(CURL, "curl");
        List<String> command = new ArrayList<>(List.of(CURL.toString(), "-sS", "--http2-prior-knowledge",
                "--max-time", "30"));
        command.addAll(List.of(args));
        Result result = run(command);
        assertEquals(0, result.exit(), "curl failed: " + result.out());
        return result;
    }

    static Result run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            byte[] out = process.getInputStream().readAllBytes();
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), command + " did not end");
            return new Result(process.exitValue(), new String(out, java.nio.charset.StandardCharsets.UTF_8));
        } finally {
            process.destroyForcibly();
        }
    }
}
