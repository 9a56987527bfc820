package io.tandem.l7.proxy;

import io.tandem.core.testing.Prerequisites;
import io.tandem.core.testing.TestHttpBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
