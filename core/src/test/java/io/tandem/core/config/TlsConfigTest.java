package io.tandem.core.config;

import org.junit.jupiter.api.Test;

import java.util.List;

import static io.tandem.core.config.ConfigLoaderTest.assertErrors;
import static io.tandem.core.config.ConfigLoaderTest.parse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The TLS words of bind lines and the {@code ssl} block of servers, as the loader reads and checks them. */
class TlsConfigTest {
    private static final String HEAD = """
            l7:
              frontends:
                web:
                  bind: BIND
                  default-backend: app
              backends:
                app:
                  servers: SERVERS
            """;

    private static String config(String bind, String servers) {
        return HEAD.replace("BIND", bind).replace("SERVERS", servers);
    }

    @Test
    void bindTakesCertificatesAlpnVersionAndCipherLists() {
        TandemConfig config = parse(config("127.0.0.1:8443 tls crt a.pem crt certs/ alpn http/1.1 min-version"
                + " TLSv1.3 ciphers ECDHE-RSA-AES128-GCM-SHA256 ciphersuites TLS_AES_128_GCM_SHA256",
                "{ a: 10.0.0.1:80 }")).config();
        BindTls tls = config.l7().frontends().get("web").binds().get(0).tls();
        assertEquals(List.of("a.pem", "certs/"), tls.certificates().stream().map(Located::value).toList());
        assertEquals(new SourcePos("t.yaml", 4, 36), tls.certificates().get(0).pos());
        assertEquals(List.of("http/1.1"), tls.alpn());
        assertEquals("TLSv1.3", tls.minVersion());
        assertEquals("ECDHE-RSA-AES128-GCM-SHA256", tls.ciphers().value());
        assertEquals("TLS_AES_128_GCM_SHA256", tls.ciphersuites().value());
    }

    @Test
    void plainBindHasNoTlsAndTlsDefaultsToHttp11AndTls12() {
        TandemConfig config = parse(config("[ 127.0.0.1:8080, 127.0.0.1:8443 tls crt a.pem ]", "{ a: 10.0.0.1:80 }")).config();
        List<BindConfig> binds = config.l7().frontends().get("web").binds();
        assertNull(binds.get(0).tls());
        assertEquals(List.of("http/1.1"), binds.get(1).tls().alpn());
        assertEquals("TLSv1.2", binds.get(1).tls().minVersion());
        assertNull(binds.get(1).tls().ciphers());
    }

    @Test
    void bindsOfferH2AndUnknownProtocolsAreErrors() {
        assertErrors(config("127.0.0.1:8443 tls crt a.pem alpn h2,http/1.1,spdy/3", "{ a: 10.0.0.1:80 }"),
                "4:59: unknown ALPN protocol 'spdy/3'; known protocols: http/1.1, h2");
    }

    @Test
    void tlsWordsNeedTlsAValueAndACertificate() {
        assertErrors(config("127.0.0.1:8443 crt a.pem", "{ a: 10.0.0.1:80 }"),
                "4:28: 'crt' needs 'tls' on the bind line");
        assertErrors(config("127.0.0.1:8443 tls alpn http/1.1", "{ a: 10.0.0.1:80 }"),
                "4:28: 'tls' needs a certificate: add 'crt FILE' (a PEM with key and chain) or 'crt DIR'");
        assertErrors(config("127.0.0.1:8443 tls crt", "{ a: 10.0.0.1:80 }"),
                "4:28: 'tls' needs a certificate: add 'crt FILE' (a PEM with key and chain) or 'crt DIR'",
                "4:32: 'crt' needs a value");
    }

    @Test
    void unknownTlsVersionIsAnErrorWithTheValidOnes() {
        assertErrors(config("127.0.0.1:8443 tls crt a.pem min-version TLSv1.1", "{ a: 10.0.0.1:80 }"),
                "4:54: unknown TLS version 'TLSv1.1'; did you mean 'TLSv1.2'?");
    }

    @Test
    void haproxysSslWordPointsToTls() {
        assertErrors(config("127.0.0.1:8443 ssl crt a.pem", "{ a: 10.0.0.1:80 }"),
                "4:28: 'ssl' is HAProxy's word for it: write 'tls' (e.g. tls crt /etc/ssl/site.pem)",
                "4:32: 'crt' needs 'tls' on the bind line");
    }

    @Test
    void serverSslVerifiesByDefaultAndTakesCaSniAndAlpn() {
        TandemConfig config = parse(config("127.0.0.1:8080", """
                { a: { address: 10.0.0.1:443, ssl: { ca: ca.pem, sni: api.example.com, alpn: http/1.1 } },
                         b: { address: 10.0.0.2:443, ssl: { verify: none } }, c: 10.0.0.3:80 }""")).config();
        List<ServerConfig> servers = config.l7().backends().get("app").servers();
        ServerTls a = servers.get(0).ssl();
        assertTrue(a.verify());
        assertEquals("ca.pem", a.ca().value());
        assertEquals("api.example.com", a.sni());
        assertEquals(List.of("http/1.1"), a.alpn());
        assertFalse(servers.get(1).ssl().verify());
        assertNull(servers.get(1).ssl().ca());
        assertNull(servers.get(2).ssl());
    }

    @Test
    void serverSslErrorsAreReportedWhereTheyStand() {
        assertErrors(config("127.0.0.1:8080", "{ a: { address: 10.0.0.1:443, ssl: { verify: optional, sni: x } },"
                        + " b: { address: 10.0.0.2:443, ssl: { verify: none, ca: ca.pem, alpn: [h2] } } }"),
                "8:61: unknown verify 'optional'; valid values: none, required",
                "8:132: 'ca' has no use with 'verify: none'",
                "8:151: ALPN 'h2' to a server needs 'proto: h2' on it: without it the server is reached over"
                        + " HTTP/1.1 (use alpn http/1.1)");
    }

    @Test
    void http2ServersSpeakH2cOrOfferAlpnH2OverTls() {
        TandemConfig config = parse(config("127.0.0.1:8080", """
                { a: { address: 10.0.0.1:50051, proto: h2 }, b: { address: 10.0.0.2:443, proto: h2, ssl: { verify: none } },
                         c: { address: 10.0.0.3:443, proto: h2, ssl: { verify: none, alpn: h2 } },
                         d: { address: 10.0.0.4:80, proto: h1 }, e: 10.0.0.5:80 }""")).config();
        List<ServerConfig> servers = config.l7().backends().get("app").servers();
        assertTrue(servers.get(0).h2());
        assertNull(servers.get(0).ssl());
        assertEquals(List.of("h2"), servers.get(1).ssl().alpn());
        assertEquals(List.of("h2"), servers.get(2).ssl().alpn());
        assertFalse(servers.get(3).h2());
        assertFalse(servers.get(4).h2());
    }

    @Test
    void serverProtocolErrorsSayWhatFits() {
        assertErrors(config("127.0.0.1:8080", "{ a: { address: 10.0.0.1:443, proto: h3 },"
                        + " b: { address: 10.0.0.2:443, proto: h2, ssl: { verify: none, alpn: http/1.1 } } }"),
                "8:53: unknown server protocol 'h3'; valid protocols: h1 (HTTP/1.1, the default), h2 (HTTP/2: h2c,"
                        + " or over TLS with 'ssl')",
                "8:125: ALPN 'http/1.1' to a server with 'proto: h2': it speaks HTTP/2 only (use alpn h2)");
        assertErrors("""
                l4:
                  services:
                    t: { listen: 10.0.0.1:443, servers: { a: { address: 10.0.0.2:443, proto: h2 } } }
                """,
                "3:71: 'proto' on a server applies to l7 backends only (an l4 service passes bytes through)");
    }

    @Test
    void sslOnAnL4ServerIsAnError() {
        assertErrors("""
                l4:
                  services:
                    t: { listen: 10.0.0.1:443, servers: { a: { address: 10.0.0.2:443, ssl: { verify: none } } } }
                """,
                "3:71: 'ssl' on a server needs HTTP: use it in an l7 backend (an l4 service passes TLS through)");
    }
}
