package io.tandem.l7.proxy;

import io.tandem.core.balance.Server;
import io.tandem.core.testing.Await;
import io.tandem.core.testing.TestCertificates;
import io.tandem.core.testing.TestCertificates.Kind;
import io.tandem.core.testing.TestPorts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TLS to servers with a real TLS server, {@code openssl s_server -www}, whose certificate (for backend.test.example
 * and 127.0.0.1) the RSA test CA signed: requests and health checks go over TLS, the chain is checked against
 * {@code ca} and the name against {@code sni}, and a server that fails either is not used.
 */
class TlsServerTest {
    private static TestCertificates certs;
    private static Process server;
    private static int serverPort;

    @BeforeAll
    static void startServer() throws Exception {
        certs = TestCertificates.create();
        certs.leaf("backend", Kind.RSA, "DNS:backend.test.example", "IP:127.0.0.1");
        serverPort = TestPorts.freePort();
        server = new ProcessBuilder("openssl", "s_server", "-accept", "127.0.0.1:" + serverPort, "-cert",
                "backend.crt", "-key", "backend.key", "-www", "-quiet").directory(certs.dir().toFile())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        Await.until("s_server listening", () -> {
            try (Socket probe = new Socket(InetAddress.getLoopbackAddress(), serverPort)) {
                return true;
            } catch (IOException e) {
                return false;
            }
        });
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (server != null) {
            server.destroy();
            server.waitFor();
        }
        if (certs != null) {
            certs.close();
        }
    }

    private static ProxyHarness proxy(String servers) throws IOException {
        return ProxyHarness.start("""
                defaults:
                  timeout: { connect: 2s, client: 5s, server: 5s }
                  retries: 1
                l7:
                  frontends:
                    web:
                      bind: 127.0.0.1:${PORT}
                      default-backend: app
                  backends:
                    app:
                %s
                """.formatted(servers.indent(6)), Map.of("CA", certs.ca(Kind.RSA).toString(),
                "OTHER_CA", certs.ca(Kind.ECDSA).toString(), "SERVER", "127.0.0.1:" + serverPort));
    }

    private static int status(ProxyHarness proxy) throws IOException {
        return proxy.exchange("GET / HTTP/1.1\r\nHost: backend.test.example\r\nConnection: close\r\n\r\n").status();
    }

    @Test
    void requestsGoOverTlsToAServerTheCaSignedForTheSniName() throws Exception {
        try (ProxyHarness proxy = proxy("""
                servers:
                  s1: { address: "${SERVER}", ssl: { ca: "${CA}", sni: backend.test.example, alpn: http/1.1 } }
                """)) {
            RawResponse response = proxy.exchange("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            assertEquals(200, response.status());
            assertTrue(response.bodyText().contains("s_server"), response.bodyText());
        }
    }

    @Test
    void aServerSignedByAnotherCaOrForAnotherNameIsNotUsed() throws Exception {
        for (String ssl : List.of("{ ca: \"${OTHER_CA}\" }", "{ ca: \"${CA}\", sni: other.test.example }")) {
            try (ProxyHarness proxy = proxy("servers:\n  s1: { address: \"${SERVER}\", ssl: " + ssl + " }\n")) {
                assertEquals(503, status(proxy), ssl);
                String line = proxy.nextLogLine();
                assertTrue(line.contains(" 503 ") && line.contains(" SC"), line);
            }
        }
    }

    @Test
    void verifyNoneTakesAnyCertificate() throws Exception {
        try (ProxyHarness proxy = proxy("servers:\n  s1: { address: \"${SERVER}\", ssl: { verify: none } }\n")) {
            assertEquals(200, status(proxy));
        }
    }

    @Test
    void healthChecksRunOverTlsAndFailOnACertificateTheCaDidNotSign() throws Exception {
        try (ProxyHarness proxy = proxy("""
                check: { http: GET /, inter: 1s, fall: 3, rise: 1 }
                servers:
                  good: { address: "${SERVER}", ssl: { ca: "${CA}" } }
                  bad: { address: "${SERVER}", ssl: { ca: "${OTHER_CA}" } }
                """)) {
            List<Server> servers = proxy.snapshot.backends().get("app").servers();
            // s_server answers one connection at a time: fall 3 keeps a slow turn on a busy machine from taking
            // the good server down.
            Await.until("bad DOWN", () -> !servers.get(1).isUp());
            assertTrue(servers.get(0).isUp());
            assertEquals(200, status(proxy));
        }
    }
}
