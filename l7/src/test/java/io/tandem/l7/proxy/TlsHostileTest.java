package io.tandem.l7.proxy;

import io.tandem.core.testing.Await;
import io.tandem.core.testing.TestCertificates;
import io.tandem.core.testing.TestCertificates.Kind;
import io.tandem.core.testing.TestHttpBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What does not speak TLS on a TLS bind: plain HTTP, garbage, a client that stalls before or inside its handshake.
 * Each connection is closed (the stalled ones by {@code timeout.http-request}) without a crash and with at most one
 * log line per 10 s, and a real client is served meanwhile.
 */
class TlsHostileTest {
    private static final long HTTP_REQUEST_MILLIS = 1000;
    private static TestCertificates certs;
    private static Path www;
    private static TestHttpBackend backend;

    @BeforeAll
    static void setUp() throws Exception {
        certs = TestCertificates.create();
        www = certs.leaf("www", Kind.RSA, "DNS:www.test.example");
        backend = TestHttpBackend.start("app-1");
    }

    @AfterAll
    static void tearDown() throws IOException {
        if (backend != null) {
            backend.close();
        }
        if (certs != null) {
            certs.close();
        }
    }

    private static ProxyHarness proxy() throws IOException {
        return ProxyHarness.start("""
                defaults:
                  timeout: { connect: 1s, client: 5s, server: 5s, http-request: %dms }
                l7:
                  frontends:
                    web:
                      bind: 127.0.0.1:${PORT} tls crt ${WWW}
                      default-backend: app
                  backends:
                    app:
                      servers: { s1: %s }
                """.formatted(HTTP_REQUEST_MILLIS, backend.hostPort()), Map.of("WWW", www.toString()));
    }

    @Test
    void plainHttpAndGarbageAreClosedWithOneRateLimitedLogLine() throws Exception {
        ConcurrentLinkedQueue<String> logged = new ConcurrentLinkedQueue<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                logged.add(record.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger logger = Logger.getLogger(FrontendRuntime.class.getName());
        logger.addHandler(capture);
        try (ProxyHarness proxy = proxy()) {
            byte[] garbage = new byte[4096];
            new Random(7).nextBytes(garbage);
            for (int i = 0; i < 10; i++) {
                byte[] sent = i % 2 == 0 ? "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII)
                        : garbage;
                try (Socket socket = proxy.connect()) {
                    socket.getOutputStream().write(sent);
                    String answer = readUntilClosed(socket);
                    assertFalse(answer.startsWith("HTTP/"), answer);
                }
            }
            assertEquals("200", TlsProxyTest.run("curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--cacert",
                    certs.ca(Kind.RSA).toString(), "--resolve", "www.test.example:" + proxy.port + ":127.0.0.1",
                    "https://www.test.example:" + proxy.port + "/").output());
            List<String> lines = new ArrayList<>(logged);
            lines.removeIf(l -> !l.contains("TLS handshake failed"));
            assertEquals(1, lines.size(), logged.toString());
            assertTrue(lines.get(0).startsWith("frontend web: closed connection from 127.0.0.1:"), lines.get(0));
            assertTrue(lines.get(0).endsWith("not TLS (plain HTTP or garbage on a TLS bind)"), lines.get(0));
        } finally {
            logger.removeHandler(capture);
        }
    }

    @Test
    void stalledHandshakesCloseWithinHttpRequestTimeoutWhileAnotherClientIsServed() throws Exception {
        try (ProxyHarness proxy = proxy();
             Socket silent = proxy.connect();
             Socket partial = proxy.connect()) {
            long start = System.nanoTime();
            // A TLS record header announcing a 512-byte ClientHello, then nothing.
            partial.getOutputStream().write(new byte[] {0x16, 0x03, 0x01, 0x02, 0x00, 0x01});
            for (int i = 0; i < 3; i++) {
                assertEquals("200", TlsProxyTest.run("curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}",
                        "--cacert", certs.ca(Kind.RSA).toString(), "--resolve",
                        "www.test.example:" + proxy.port + ":127.0.0.1",
                        "https://www.test.example:" + proxy.port + "/").output());
            }
            for (Socket stalled : List.of(silent, partial)) {
                stalled.setSoTimeout(15_000);
                assertEquals("", readUntilClosed(stalled));
                long tookMillis = (System.nanoTime() - start) / 1_000_000;
                assertTrue(tookMillis >= HTTP_REQUEST_MILLIS - 50 && tookMillis < 10_000, tookMillis + " ms");
            }
            Await.until("no connection left", () -> proxy.proxy.activeConnections() == 0);
        }
    }

    /** What the proxy sent before it closed; fails when it does not close within the socket's timeout. */
    private static String readUntilClosed(Socket socket) throws IOException {
        StringBuilder received = new StringBuilder();
        InputStream in = socket.getInputStream();
        byte[] buffer = new byte[4096];
        try {
            int n;
            while ((n = in.read(buffer)) > 0) {
                received.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
            }
        } catch (SocketException reset) {
            return received.toString();
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the proxy did not close the connection", e);
        }
        return received.toString();
    }
}
