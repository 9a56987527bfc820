package io.tandem.l7;

import io.tandem.core.config.ConfigError;
import io.tandem.core.config.ConfigLoader;
import io.tandem.core.config.LoadResult;
import io.tandem.core.testing.Prerequisites;
import io.tandem.core.testing.TestCertificates;
import io.tandem.core.testing.TestCertificates.Kind;
import io.tandem.l7.proxy.L7Snapshot;
import io.tandem.core.tls.TlsLibrary;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What compiling a TLS bind or server finds wrong in its files, each at the word that names the file: missing or
 * unreadable, no key, a key of another certificate, an encrypted key, unknown ciphers; an expired certificate only
 * warns. Every problem of a config is reported, not only the first.
 */
class TlsCompileTest {
    private static TestCertificates certs;
    private static Path good;
    private static Path ec;

    @BeforeAll
    static void makeCertificates() throws Exception {
        certs = TestCertificates.create();
        good = certs.leaf("good", Kind.RSA, "DNS:good.test.example");
        ec = certs.leaf("ec", Kind.ECDSA, "DNS:ec.test.example");
    }

    @AfterAll
    static void cleanUp() throws IOException {
        if (certs != null) {
            certs.close();
        }
    }

    private static List<String> compile(String bindWords, String servers, List<ConfigError> warnings) {
        String yaml = """
                l7:
                  frontends:
                    web:
                      bind: 127.0.0.1:8443 tls %s
                      default-backend: app
                  backends:
                    app:
                      servers: %s
                """.formatted(bindWords, servers);
        LoadResult loaded = ConfigLoader.parse(certs.dir().resolve("t.yaml").toString(), yaml, Map.of());
        List<ConfigError> errors = new ArrayList<>(loaded.errors());
        L7Snapshot snapshot = L7Compiler.compile(loaded.config(), errors);
        warnings.addAll(snapshot.warnings());
        return errors.stream().map(e -> e.pos().lineColumn() + ": " + e.message()).toList();
    }

    private static List<String> compile(String bindWords) {
        return compile(bindWords, "{ a: 10.0.0.1:80 }", new ArrayList<>());
    }

    @Test
    void validCertificatesCompileFromFilesRelativePathsAndDirectories() throws IOException {
        Path dir = Files.createDirectories(certs.dir().resolve("dir"));
        Files.copy(good, dir.resolve("a.pem"));
        Files.copy(ec, dir.resolve("b.pem"));
        assertEquals(List.of(), compile("crt " + good + " crt ec.pem crt dir"));
    }

    @Test
    void keysInPkcs1AndSec1FormsLoadAsPkcs8Does() throws Exception {
        certs.openssl("rsa", "-in", "good.key", "-traditional", "-out", "good.pkcs1");
        certs.openssl("ec", "-in", "ec.key", "-out", "ec.sec1");
        assertTrue(Files.readString(certs.dir().resolve("good.pkcs1")).contains("BEGIN RSA PRIVATE KEY"));
        assertTrue(Files.readString(certs.dir().resolve("ec.sec1")).contains("BEGIN EC PRIVATE KEY"));
        certs.bundle("good-pkcs1", "good.crt", "good.pkcs1");
        certs.bundle("ec-sec1", "ec.sec1", "ec.crt");
        assertEquals(List.of(), compile("crt good-pkcs1.pem crt ec-sec1.pem"));
    }

    @Test
    void everyUnusableFileIsAnErrorAtItsCrtWord() throws Exception {
        certs.bundle("nokey", "good.crt");
        certs.bundle("mismatch", "good.crt", "ec.key");
        certs.openssl("pkcs8", "-topk8", "-in", "good.key", "-out", "enc.key", "-passout", "pass:secret");
        certs.bundle("encrypted", "good.crt", "enc.key");
        Files.writeString(certs.dir().resolve("junk.pem"), "not a certificate\n");
        Path unreadable = certs.dir().resolve("unreadable.pem");
        Files.copy(good, unreadable);
        boolean canDenyReading = unreadable.toFile().setReadable(false) && !Files.isReadable(unreadable);
        Path dir = certs.dir();
        List<String> errors = compile("crt missing.pem crt nokey.pem crt mismatch.pem crt encrypted.pem crt junk.pem"
                + (canDenyReading ? " crt unreadable.pem" : ""));
        List<String> expected = new ArrayList<>(List.of(
                "4:36: crt " + dir.resolve("missing.pem") + ": no such file",
                "4:52: crt " + dir.resolve("nokey.pem") + ": no private key in the file (put the key in the same PEM"
                        + " as the certificate and its chain)",
                "4:66: crt " + dir.resolve("mismatch.pem") + ": the private key does not match the certificate"
                        + " CN=good.test.example (the first certificate must be the one the key belongs to)",
                "4:83: crt " + dir.resolve("encrypted.pem") + ": the private key is encrypted; decrypt it (openssl"
                        + " pkey -in KEY -out KEY.plain) and protect the file by its permissions instead",
                "4:101: crt " + dir.resolve("junk.pem") + ": no certificate in the file (expected -----BEGIN"
                        + " CERTIFICATE-----)"));
        if (canDenyReading) {
            expected.add("4:114: crt " + unreadable + ": cannot read the file (permission denied)");
        }
        assertEquals(expected, errors);
    }

    @Test
    void unknownCiphersAreErrorsAtTheirName() {
        assertEquals(List.of("4:81: unknown cipher 'NOPE-CIPHER' in ciphers (OpenSSL names for TLS 1.2, e.g."
                        + " ECDHE-RSA-AES128-GCM-SHA256; TLS 1.3 suites go in ciphersuites)",
                "4:106: unknown cipher 'TLS_FOO' in ciphersuites (TLS 1.3 suites: TLS_AES_128_GCM_SHA256"
                        + " TLS_AES_256_GCM_SHA384 TLS_CHACHA20_POLY1305_SHA256)"),
                compile("crt good.pem ciphers ECDHE-RSA-AES128-GCM-SHA256:NOPE-CIPHER ciphersuites TLS_FOO"));
    }

    @Test
    void boringSslRefusesToPretendItLimitsTls13Suites() {
        Prerequisites.require(TlsLibrary.boringSsl(), "BoringSSL (netty-tcnative) did not load here");
        assertEquals(List.of("4:58: ciphersuites: BoringSSL always offers its three TLS 1.3 suites"
                        + " (TLS_AES_128_GCM_SHA256 TLS_AES_256_GCM_SHA384 TLS_CHACHA20_POLY1305_SHA256); leave"
                        + " ciphersuites out (ciphers limits the TLS 1.2 suites)"),
                compile("crt good.pem ciphersuites TLS_AES_128_GCM_SHA256"));
        assertEquals(List.of(), compile("crt good.pem ciphersuites " + "TLS_CHACHA20_POLY1305_SHA256:"
                + "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384"));
    }

    @Test
    void anExpiredCertificateIsAWarningNotAnError() throws Exception {
        certs.expired("old");
        List<ConfigError> warnings = new ArrayList<>();
        assertEquals(List.of(), compile("crt old.pem", "{ a: 10.0.0.1:80 }", warnings));
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).toString().matches(".*:4:36: warning: crt .*old\\.pem: certificate CN=old"
                + " expired on 2020-01-02T00:00:00Z \\(clients will refuse it: renew it\\)"), warnings.toString());
    }

    @Test
    void aServerCaFileThatCannotBeReadIsAnError() {
        List<String> errors = compile("crt good.pem", "{ a: { address: 10.0.0.1:443, ssl: { ca: nothere.pem } } }",
                new ArrayList<>());
        assertEquals(List.of("8:57: server app/a: ca " + certs.dir().resolve("nothere.pem") + ": no such file"),
                errors);
    }
}
