package io.tandem.l7.proxy;

import io.tandem.core.testing.TestCertificates;
import io.tandem.core.testing.TestCertificates.Kind;
import io.tandem.core.testing.TestHttpBackend;
import io.tandem.core.testing.TestPorts;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * TLS termination with real clients: curl picks each certificate by SNI, {@code openssl s_client} shows the chain,
 * ALPN and resumed sessions, the TLS fetches reach the rules and the access log shows the handshake. Certificates are
 * made by the openssl CLI when the test starts: an RSA 2048 leaf for www and {@code *.apps}, an ECDSA P-256 one for
 * api, each under its own CA.
 */
class TlsProxyTest {
    private static TestCertificates certs;
    private static Path www;
    private static Path api;
    private static TestHttpBackend backend;

    @BeforeAll
    static void makeCertificates() throws Exception {
        certs = TestCertificates.create();
        www = certs.leaf("www", Kind.RSA, "DNS:www.test.example", "DNS:*.apps.test.example");
        api = certs.leaf("api", Kind.ECDSA, "DNS:api.test.example");
        backend = TestHttpBackend.start("app-1");
    }

    @AfterAll
    static void cleanUp() throws IOException {
        if (backend != null) {
            backend.close();
        }
        if (certs != null) {
            certs.close();
        }
    }

    /** A frontend with a plain bind on ${PLAIN} and a TLS one on ${PORT} with the two certificates, www first. */
    private static ProxyHarness proxy(String bindWords) throws IOException {
        return ProxyHarness.start("""
                defaults:
                  timeout: { connect: 1s, client: 5s, server: 5s, http-request: 2s, http-keep-alive: 1s }
                l7:
                  frontends:
                    web:
                      bind:
                        - 127.0.0.1:${PORT} tls crt ${WWW} crt ${API} %s
                        - 127.0.0.1:${PLAIN}
                      http-request:
                        - redirect scheme https code 301 if !{ ssl_fc }
                        - set-header X-TLS "%%[ssl_fc_protocol]/%%[ssl_fc_sni]/%%[ssl_fc_alpn]"
                      default-backend: app
                  backends:
                    app:
                      servers: { s1: %s }
                """.formatted(bindWords, backend.hostPort()), Map.of("WWW", www.toString(), "API", api.toString(),
                "PLAIN", String.valueOf(TestPorts.freePort())));
    }

    @Test
    void alpnH2ServesHttp2OverTlsAndHttp11ClientsStillGetHttp11() throws Exception {
        try (ProxyHarness proxy = proxy("alpn h2,http/1.1")) {
            Result h2 = curl(proxy, "www.test.example", Kind.RSA, "--http2", "-w", "\n%{http_version}");
            assertEquals("app-1\n\n2", h2.output.strip());
            assertEquals("TLSv1.3/www.test.example/h2", backend.lastRequestHeader("X-TLS"));
            String line = proxy.nextLogLine();
            assertTrue(line.contains("\"GET / HTTP/2.0\""), line);
            Result h1 = curl(proxy, "www.test.example", Kind.RSA, "--http1.1", "-w", "\n%{http_version}");
            assertEquals("app-1\n\n1.1", h1.output.strip());
            // openssl s_client agrees h2 with the chain verified (what it then sends is not HTTP/2: it is closed).
            String sClient = sClient(proxy, "www.test.example", "-CAfile", certs.ca(Kind.RSA).toString(), "-alpn",
                    "h2,http/1.1");
            assertTrue(sClient.contains("ALPN protocol: h2") && sClient.contains("Verify return code: 0 (ok)"),
                    sClient);
        }
    }

    @Test
    void curlGetsTheCertificateItsSniNamesAndTheFirstOneOtherwise() throws Exception {
        try (ProxyHarness proxy = proxy("")) {
            assertEquals("200", curlStatus(proxy, "www.test.example", Kind.RSA));
            assertEquals("200", curlStatus(proxy, "api.test.example", Kind.ECDSA));
            assertEquals("200", curlStatus(proxy, "shop.apps.test.example", Kind.RSA));
            assertTrue(sClient(proxy, "shop.apps.test.example").contains("subject=CN = www.test.example"));
            // A name no certificate carries gets the first (curl then refuses the name: it is not in the cert).
            Result unknown = run("curl", "-sS", "-o", "/dev/null", "--cacert", certs.ca(Kind.RSA).toString(),
                    "--resolve", "other.test.example:" + proxy.port + ":127.0.0.1",
                    "https://other.test.example:" + proxy.port + "/");
            assertTrue(unknown.output.contains("other.test.example"), unknown.output);
            String sClient = sClient(proxy, "other.test.example", "-CAfile", certs.ca(Kind.RSA).toString());
            assertTrue(sClient.contains("subject=CN = www.test.example"), sClient);
        }
    }

    @Test
    void sClientSeesTheChainAndAlpnAndTheCertificateVerifies() throws Exception {
        try (ProxyHarness proxy = proxy("alpn http/1.1")) {
            String out = sClient(proxy, "api.test.example", "-CAfile", certs.ca(Kind.ECDSA).toString(), "-showcerts",
                    "-alpn", "http/1.1");
            assertTrue(out.contains("0 s:CN = api.test.example"), out);
            assertTrue(out.contains("i:CN = Tandem Test ECDSA CA"), out);
            assertTrue(out.contains("1 s:CN = Tandem Test ECDSA CA"), out);
            assertTrue(out.contains("ALPN protocol: http/1.1"), out);
            assertTrue(out.contains("Verify return code: 0 (ok)"), out);
        }
    }

    @Test
    void sessionsResumeWithTicketsOverTls12AndTls13() throws Exception {
        try (ProxyHarness proxy = proxy("")) {
            for (String version : List.of("-tls1_2", "-tls1_3")) {
                Path session = certs.dir().resolve("session" + version);
                String first = sClient(proxy, "www.test.example", version, "-sess_out", session.toString());
                assertTrue(first.contains("New, TLS"), first);
                String second = sClient(proxy, "www.test.example", version, "-sess_in", session.toString());
                assertTrue(second.contains("Reused, TLS"), version + ": " + second);
            }
        }
    }

    @Test
    void aTicketResumesAfterOneKeyRotationButNotAfterTwo() throws Exception {
        try (ProxyHarness proxy = proxy("")) {
            Path session = certs.dir().resolve("session-rotation");
            assertTrue(sClient(proxy, "www.test.example", "-tls1_2", "-sess_out", session.toString())
                    .contains("New, TLS"));
            proxy.proxy.rotateTicketKeys();
            String afterOne = sClient(proxy, "www.test.example", "-tls1_2", "-sess_in", session.toString());
            assertTrue(afterOne.contains("Reused, TLS"), afterOne);
            proxy.proxy.rotateTicketKeys();
            String afterTwo = sClient(proxy, "www.test.example", "-tls1_2", "-sess_in", session.toString());
            assertTrue(afterTwo.contains("New, TLS"), afterTwo);
        }
    }

    @Test
    void aTicketResumesOnAnotherProxyThatUsesTheIssuersKeysAndStillDoesAfterTheIssuerRotates() throws Exception {
        try (ProxyHarness issuer = proxy(""); ProxyHarness other = proxy("")) {
            other.proxy.useTicketKeys(issuer.proxy.ticketKeys());
            for (String version : List.of("-tls1_2", "-tls1_3")) {
                Path session = certs.dir().resolve("session-moved" + version);
                assertTrue(sClient(issuer, "www.test.example", version, "-sess_out", session.toString())
                        .contains("New, TLS"));
                String moved = sClient(other, "www.test.example", version, "-sess_in", session.toString());
                assertTrue(moved.contains("Reused, TLS"), version + ": " + moved);
            }
            Path before = certs.dir().resolve("session-before-rotation");
            assertTrue(sClient(issuer, "www.test.example", "-tls1_2", "-sess_out", before.toString())
                    .contains("New, TLS"));
            issuer.proxy.rotateTicketKeys();
            other.proxy.useTicketKeys(issuer.proxy.ticketKeys());
            String afterRotation = sClient(other, "www.test.example", "-tls1_2", "-sess_in", before.toString());
            assertTrue(afterRotation.contains("Reused, TLS"), afterRotation);
            Path own = certs.dir().resolve("session-own");
            try (ProxyHarness third = proxy("")) {
                assertTrue(sClient(third, "www.test.example", "-tls1_2", "-sess_out", own.toString())
                        .contains("New, TLS"));
                third.proxy.useTicketKeys(issuer.proxy.ticketKeys());
                String ownAfter = sClient(third, "www.test.example", "-tls1_2", "-sess_in", own.toString());
                assertTrue(ownAfter.contains("Reused, TLS"), "its own tickets still resume: " + ownAfter);
                String foreign = sClient(issuer, "www.test.example", "-tls1_2", "-sess_in", own.toString());
                assertTrue(foreign.contains("New, TLS"), "keys it never shared do not: " + foreign);
            }
        }
    }

    @Test
    void fetchesSeeTheHandshakeAndPlainRequestsAreRedirectedToHttps() throws Exception {
        try (ProxyHarness proxy = proxy("alpn http/1.1")) {
            Result tls = curl(proxy, "api.test.example", Kind.ECDSA, "-o", "/dev/null", "-w", "%{http_code}");
            assertEquals("200", tls.output, tls.output);
            assertEquals("TLSv1.3/api.test.example/http/1.1", backend.lastRequestHeader("X-TLS"));
            String line = proxy.nextLogLine();
            assertTrue(line.matches(".*\"GET / HTTP/1\\.1\" api\\.test\\.example/TLSv1\\.3/TLS_[A-Z0-9_]+"), line);

            int plain = proxy.snapshot.frontends().get("web").config().binds().get(1).address().port();
            RawResponse redirect = RawResponse.read(plainGet(plain));
            assertEquals(301, redirect.status());
            assertEquals("https://www.test.example/a?b", redirect.header("Location"));
        }
    }

    @Test
    void aProxyHeaderBeforeTheHandshakeNamesTheClient() throws Exception {
        try (ProxyHarness proxy = proxy("accept-proxy")) {
            Socket plain = proxy.connect();
            plain.getOutputStream().write("PROXY TCP4 198.18.0.7 198.18.0.1 51000 443\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            SSLContext trustAll = SSLContext.getInstance("TLS");
            trustAll.init(null, InsecureTrustManagerFactory.INSTANCE.getTrustManagers(), null);
            try (Socket tls = trustAll.getSocketFactory().createSocket(plain, "www.test.example", proxy.port, true)) {
                tls.getOutputStream().write("GET / HTTP/1.1\r\nHost: www.test.example\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                assertEquals(200, RawResponse.read(tls.getInputStream()).status());
            }
            String line = proxy.nextLogLine();
            assertTrue(line.startsWith("198.18.0.7:51000 ") && line.contains(" www.test.example/TLSv1.3/"), line);
        }
    }

    private static InputStream plainGet(int port) throws IOException {
        Socket socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(5000);
        socket.getOutputStream().write("GET /a?b HTTP/1.1\r\nHost: www.test.example\r\n\r\n"
                .getBytes(StandardCharsets.ISO_8859_1));
        return socket.getInputStream();
    }

    /**
     * The status curl gets for {@code name}, trusting only the {@code ca} CA: curl checks the chain and that the name
     * is the certificate's, so a 200 proves the certificate for that name was served.
     */
    private static String curlStatus(ProxyHarness proxy, String name, Kind ca) throws Exception {
        return curl(proxy, name, ca, "-o", "/dev/null", "-w", "%{http_code}").output;
    }

    private static Result curl(ProxyHarness proxy, String name, Kind ca, String... more) throws Exception {
        List<String> command = new ArrayList<>(List.of("curl", "-sS", "--cacert", certs.ca(ca).toString(),
                "--resolve", name + ":" + proxy.port + ":127.0.0.1"));
        command.addAll(List.of(more));
        command.add("https://" + name + ":" + proxy.port + "/");
        Result result = run(command.toArray(String[]::new));
        if (result.exit != 0) {
            fail(String.join(" ", command) + " failed: " + result.output);
        }
        return result;
    }

    /** {@code openssl s_client} for {@code name} to the proxy's TLS bind (see {@link TestCertificates#sClient}). */
    static String sClient(ProxyHarness proxy, String name, String... more) throws Exception {
        return TestCertificates.sClient("127.0.0.1:" + proxy.port, name, more);
    }

    record Result(int exit, String output) {
    }

    /** Runs a client to its end, its stdin closed at once. */
    static Result run(String... command) throws IOException, InterruptedException {
        return runWithInput("", command);
    }

    /** Runs a client to its end with {@code input} on its stdin. */
    static Result runWithInput(String input, String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try (var stdin = process.getOutputStream()) {
            stdin.write(input.getBytes(StandardCharsets.ISO_8859_1));
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail(String.join(" ", command) + " did not finish: " + output);
        }
        return new Result(process.exitValue(), output);
    }
}
