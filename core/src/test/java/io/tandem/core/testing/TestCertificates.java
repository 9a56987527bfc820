package io.tandem.core.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Certificates made by the {@code openssl} CLI in a temporary directory when a test starts: an RSA 2048 and an ECDSA
 * P-256 CA, and leaf certificates signed by either with the DNS names (wildcards too) and IP addresses a test asks
 * for. A leaf comes as {@code NAME.pem} (certificate, CA, key: what a {@code crt} bind word takes) and as
 * {@code NAME.crt} plus {@code NAME.key} (what {@code openssl s_server} takes).
 */
public final class TestCertificates implements AutoCloseable {
    private static final Path OPENSSL = Path.of("/usr/bin/openssl");

    /** The key type of a CA and the leaves it signs. */
    public enum Kind { RSA, ECDSA }

    private final Path dir;

    private TestCertificates(Path dir) {
        this.dir = dir;
    }

    /** Makes both CAs; without openssl the test is skipped, or fails under CI. */
    public static TestCertificates create() throws IOException, InterruptedException {
        Prerequisites.requireExecutable(OPENSSL, "openssl");
        TestCertificates certificates = new TestCertificates(Files.createTempDirectory("tandem-tls"));
        for (Kind kind : Kind.values()) {
            String name = kind.name().toLowerCase() + "-ca";
            certificates.openssl(withKey(kind, "req", "-x509", "-nodes", "-keyout", name + ".key", "-out",
                    name + ".pem", "-subj", "/CN=Tandem Test " + kind + " CA", "-days", "3"));
        }
        return certificates;
    }

    public Path dir() {
        return dir;
    }

    /** The CA certificate of {@code kind}, for {@code ca:} and clients' trust. */
    public Path ca(Kind kind) {
        return dir.resolve(kind.name().toLowerCase() + "-ca.pem");
    }

    /**
     * A leaf {@code name} signed by the {@code kind} CA for {@code names} ({@code DNS:x} or {@code IP:x} entries,
     * the first DNS one also its CN); returns {@code NAME.pem}.
     */
    public Path leaf(String name, Kind kind, String... names) throws IOException, InterruptedException {
        String ca = kind.name().toLowerCase() + "-ca";
        String cn = Arrays.stream(names).filter(n -> n.startsWith("DNS:")).findFirst().orElse("DNS:" + name)
                .substring(4);
        Files.writeString(dir.resolve(name + ".ext"), "subjectAltName=" + String.join(",", names) + "\n");
        openssl(withKey(kind, "req", "-new", "-nodes", "-keyout", name + ".key", "-out", name + ".csr",
                "-subj", "/CN=" + cn));
        openssl("x509", "-req", "-in", name + ".csr", "-CA", ca + ".pem", "-CAkey", ca + ".key", "-set_serial",
                String.valueOf(System.nanoTime()), "-days", "3", "-extfile", name + ".ext", "-out", name + ".crt");
        return bundle(name, name + ".crt", ca + ".pem", name + ".key");
    }

    /**
     * A JDK server-side TLS context with the leaf {@code name} (made by {@link #leaf}) and its chain, for test servers
     * that speak TLS ({@link TestHttpBackend#startTls}); openssl exports it as PKCS#12 for the JDK to read.
     */
    public SSLContext serverContext(String name) throws IOException, InterruptedException, GeneralSecurityException {
        char[] password = "test".toCharArray();
        openssl("pkcs12", "-export", "-in", name + ".pem", "-inkey", name + ".key", "-out", name + ".p12",
                "-passout", "pass:test");
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(dir.resolve(name + ".p12"))) {
            keys.load(in, password);
        }
        KeyManagerFactory managers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        managers.init(keys, password);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(managers.getKeyManagers(), null, null);
        return context;
    }

    /** A self-signed RSA certificate {@code name} whose validity ended in 2020; returns {@code NAME.pem}. */
    public Path expired(String name) throws IOException, InterruptedException {
        Files.writeString(dir.resolve("ca.cnf"), "[ca]\ndefault_ca = d\n[d]\ndatabase = index.txt\n"
                + "new_certs_dir = .\nserial = serial\ndefault_md = sha256\npolicy = p\n[p]\ncommonName = supplied\n");
        Files.writeString(dir.resolve("index.txt"), "");
        Files.writeString(dir.resolve("serial"), "01\n");
        openssl("req", "-new", "-nodes", "-newkey", "rsa:2048", "-keyout", name + ".key", "-out", name + ".csr",
                "-subj", "/CN=" + name);
        openssl("ca", "-batch", "-config", "ca.cnf", "-selfsign", "-keyfile", name + ".key", "-in", name + ".csr",
                "-out", name + ".crt", "-startdate", "20200101000000Z", "-enddate", "20200102000000Z", "-notext");
        return bundle(name, name + ".crt", name + ".key");
    }

    /** Runs {@code openssl ARGS} in the directory; fails the test with its output when it fails. */
    public String openssl(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(OPENSSL.toString());
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            process.destroyForcibly();
            fail("openssl " + String.join(" ", args) + " failed: " + output);
        }
        return output;
    }

    /**
     * {@code openssl s_client} to {@code address} ({@code host:port}) for SNI {@code name}, with {@code more}
     * arguments ({@code -sess_out FILE}, {@code -tls1_3}): it sends one request and reads to the end of the response,
     * so the session tickets TLS 1.3 sends after the handshake arrive before it leaves. @return what it printed
     */
    public static String sClient(String address, String name, String... more) throws IOException,
            InterruptedException {
        List<String> command = new ArrayList<>(List.of(OPENSSL.toString(), "s_client", "-connect", address,
                "-servername", name, "-ign_eof"));
        command.addAll(List.of(more));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try (var stdin = process.getOutputStream()) {
            stdin.write(("GET / HTTP/1.1\r\nHost: " + name + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail(String.join(" ", command) + " did not finish: " + output);
        }
        return output;
    }

    /** Concatenates {@code parts} (files in the directory) into {@code NAME.pem}. */
    public Path bundle(String name, String... parts) throws IOException {
        StringBuilder pem = new StringBuilder();
        for (String part : parts) {
            pem.append(Files.readString(dir.resolve(part)));
        }
        Path file = dir.resolve(name + ".pem");
        Files.writeString(file, pem);
        return file;
    }

    /** {@code args} with a new key of {@code kind}: RSA 2048, or ECDSA on P-256. */
    private static String[] withKey(Kind kind, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(kind == Kind.RSA ? List.of("-newkey", "rsa:2048")
                : List.of("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"));
        return all.toArray(String[]::new);
    }

    @Override
    public void close() throws IOException {
        try (var files = Files.walk(dir)) {
            for (Path file : files.sorted((a, b) -> b.getNameCount() - a.getNameCount()).collect(Collectors.toList())) {
                Files.deleteIfExists(file);
            }
        }
    }
}
