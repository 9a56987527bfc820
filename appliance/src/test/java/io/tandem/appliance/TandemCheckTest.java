package io.tandem.appliance;

import io.tandem.core.testing.TestCertificates;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code tandem check} behaves like {@code haproxy -c}: a summary and 0, or every error with its position and 1. */
class TandemCheckTest {

    @TempDir
    Path dir;

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    private Path write(String yaml) throws IOException {
        Path file = dir.resolve("tandem.yaml");
        Files.writeString(file, yaml);
        return file;
    }

    @Test
    void validConfigExitsZeroWithOneLineSummary() throws IOException {
        Path file = write("""
                l7:
                  frontends:
                    web:
                      bind: 127.0.0.1:18080
                      acl: { is_api: path_beg /api/ }
                      use-backend: [ "api if is_api" ]
                      default-backend: app
                  backends:
                    api: { balance: leastconn, servers: { a1: 127.0.0.1:9001 } }
                    app: { servers: { b1: 127.0.0.1:9002, b2: 127.0.0.1:9003 } }
                """);
        CliRun outcome = run("check", "-c", file.toString());
        assertEquals(0, outcome.exitCode(), outcome.err());
        assertEquals("Configuration file " + file + " is valid: 1 frontend(s), 2 backend(s), 3 server(s)",
                outcome.out().strip());
    }

    @Test
    void theSummaryOfAFileWithAStatsEndpointSaysWhereItListens() throws IOException {
        Path file = write("""
                admin: { stats: { bind: 127.0.0.1:18404 } }
                l7:
                  frontends:
                    web: { bind: 127.0.0.1:18080, default-backend: app }
                  backends:
                    app: { servers: { b1: 127.0.0.1:9002 } }
                """);
        CliRun outcome = run("check", "-c", file.toString());
        assertEquals(0, outcome.exitCode(), outcome.err());
        assertEquals("Configuration file " + file + " is valid: 1 frontend(s), 1 backend(s), 1 server(s), stats on "
                + "127.0.0.1:18404", outcome.out().strip());
    }

    @Test
    void everyErrorOfBothStagesIsPrintedWithItsPositionAndExitIsOne() throws IOException {
        Path file = write("""
                l7:
                  frontends:
                    web:
                      bind: 127.0.0.1:18080
                      acl: { is_api: path_bgn /api/ }
                      use-backend: [ "api if is_apj" ]
                      default-backend: nowhere
                  backends:
                    api: { balance: leastconn, timeout: { server: 5 parsecs }, servers: { a1: 127.0.0.1:9001 } }
                """);
        CliRun outcome = run("check", "-c", file.toString());
        assertEquals(1, outcome.exitCode());
        String err = outcome.err();
        assertTrue(err.contains(file + ":5:22: "), err);
        assertTrue(err.contains(file + ":6:30: unknown ACL 'is_apj'"), err);
        assertTrue(err.contains(file + ":7:24: unknown backend 'nowhere'"), err);
        assertTrue(err.contains(file + ":9:51: bad duration"), err);
        assertEquals(4, err.lines().count(), err);
    }

    @Test
    void anExpiredCertificateIsAWarningAndTheCheckPasses() throws Exception {
        try (TestCertificates certs = TestCertificates.create()) {
            Path old = certs.expired("old");
            Path file = write("""
                    l7:
                      frontends:
                        web:
                          bind: 127.0.0.1:18443 tls crt %s
                          default-backend: app
                      backends:
                        app: { servers: { b1: 127.0.0.1:9002 } }
                    """.formatted(old));
            CliRun outcome = run("check", "-c", file.toString());
            assertEquals(0, outcome.exitCode(), outcome.err());
            assertTrue(outcome.err().contains(file + ":4:37: warning: crt " + old + ": certificate CN=old expired on"
                    + " 2020-01-02T00:00:00Z (clients will refuse it: renew it)"), outcome.err());
            assertTrue(outcome.out().contains("is valid: 1 frontend(s)"), outcome.out());
        }
    }

    @Test
    void featuresOfLaterReleasesAreRejectedNotIgnored() throws IOException {
        Path file = write("""
                l7:
                  frontends:
                    web:
                      bind: 127.0.0.1:18443 tls crt /etc/ssl/site.pem alpn h2,http/1.1
                      default-backend: app
                  backends:
                    app: { servers: { b1: { address: 127.0.0.1:9002, proto: h2, ssl: { verify: none, alpn: h2 } } } }
                l4:
                  services:
                    web: { listen: 127.0.0.1:18000, dataplane: ipvs, servers: { a: 127.0.0.1:18080 } }
                """);
        CliRun outcome = run("check", "-c", file.toString());
        assertEquals(1, outcome.exitCode());
        assertFalse(outcome.err().contains(":4:60:"), "HTTP/2 to clients is here: " + outcome.err());
        assertFalse(outcome.err().contains(":7:"), "HTTP/2 to servers is here: " + outcome.err());
        assertTrue(outcome.err().contains(":10:48: dataplane 'ipvs' is not supported yet"), outcome.err());
    }

    @Test
    void theClusterMayShareAdminStatesAndTheConfig() throws IOException {
        Path file = write("""
                l7:
                  frontends:
                    web: { bind: 127.0.0.1:18080, default-backend: app }
                  backends:
                    app: { servers: { a: 127.0.0.1:9002 } }
                cluster:
                  name: pair
                  bind: 127.0.0.1:7800
                  members: [127.0.0.1:7800, 127.0.0.2:7800]
                  secret: 0123456789abcdef0123
                  share: [stick-tables, rate-limits, server-states, config]
                """);
        CliRun outcome = run("check", "-c", file.toString());
        assertEquals(0, outcome.exitCode(), outcome.err());
    }

    private static final String VRRP_ONLY_ON_MISSING_INTERFACE = """
            global: { name: lb-a }
            vrrp:
              instances:
                VI_1:
                  interface: tdmnosuch0
                  vrid: 51
                  priority: 150
                  advert-interval: 100ms
                  virtual-addresses: [198.18.0.100/24]
            """;

    @Test
    void vrrpOnlyConfigOnAnInterfaceOfAnotherMachinePassesCheckWithAWarning() throws IOException {
        Path file = write(VRRP_ONLY_ON_MISSING_INTERFACE);
        CliRun outcome = run("check", "-c", file.toString());
        assertEquals(0, outcome.exitCode(), outcome.err());
        assertTrue(outcome.out().contains("is valid: 0 frontend(s), 0 backend(s), 0 server(s), 1 VRRP instance(s)"),
                outcome.out());
        assertTrue(outcome.err().contains("warning: vrrp instance 'VI_1': interface tdmnosuch0 does not exist on this"
                + " host"), outcome.err());
    }

    @Test
    void runOnAMissingVrrpInterfaceFailsClearlyWithExitOne() throws IOException {
        Path file = write(VRRP_ONLY_ON_MISSING_INTERFACE);
        CliRun outcome = run("run", "-c", file.toString());
        assertEquals(1, outcome.exitCode(), outcome.err());
        assertTrue(outcome.err().contains("tandem: not started: vrrp instance VI_1 on tdmnosuch0: interface tdmnosuch0"
                + " does not exist on this host"), outcome.err());
        assertTrue(!outcome.err().contains("Exception"), outcome.err());
    }

    @Test
    void missingFileIsAClearErrorNotAStackTrace() {
        CliRun outcome = run("check", "-c", dir.resolve("absent.yaml").toString());
        assertEquals(1, outcome.exitCode());
        assertTrue(outcome.err().contains("absent.yaml"), outcome.err());
        assertTrue(!outcome.err().contains("Exception"), outcome.err());
    }

    @Test
    void emptyBlankOrCommentOnlyFileHasNoListenerAndExitsOne() throws IOException {
        for (String text : new String[] {"", "  \n\n", "# only a comment\n", "l7:\n  backends:\n"
                + "    app: { servers: { a: 127.0.0.1:9002 } }\n"}) {
            Path file = write(text);
            CliRun outcome = run("check", "-c", file.toString());
            assertEquals(1, outcome.exitCode(), outcome.out());
            assertEquals(file + ":1:1: no listener: the config has no l7 frontend, l4 service or vrrp instance, so"
                    + " tandem run would serve nothing", outcome.err().strip());
            assertEquals(1, run("run", "-c", file.toString()).exitCode());
        }
    }

    @Test
    void valuesRunCouldNotSurviveAreErrorsAtTheirPosition() throws IOException {
        Path file = write("""
                global: { workers: 100000, hard-stop-after: 200000d }
                l4:
                  services:
                    loop: { listen: 127.0.0.1:18090, servers: { self: 127.0.0.1:18090 } }
                """);
        CliRun outcome = run("check", "-c", file.toString());
        assertEquals(1, outcome.exitCode());
        assertEquals(String.join("\n",
                file + ":1:20: 'workers' must be an integer in 0..256, got 100000",
                file + ":1:45: duration '200000d' is too long (at most 24d)",
                file + ":4:49: server self 127.0.0.1:18090 is service loop's own listen 127.0.0.1:18090: each"
                        + " connection would loop back until maxconn"), outcome.err().strip());
    }

    @Test
    void endlessOrOversizedInputFailsAtOnceWithExitOne() throws Exception {
        Path sparse = dir.resolve("50mb.yaml");
        try (java.io.RandomAccessFile file = new java.io.RandomAccessFile(sparse.toFile(), "rw")) {
            file.setLength(50L << 20);
        }
        Path fifo = fifo("endless.fifo");
        Thread writer = new Thread(() -> {
            byte[] line = "a: b\n".repeat(1000).getBytes(StandardCharsets.UTF_8);
            try (java.io.OutputStream out = Files.newOutputStream(fifo)) {
                while (true) {
                    out.write(line);
                }
            } catch (IOException readerClosed) {
                // The check stopped reading: what the test waits for.
            }
        });
        writer.start();
        for (Path input : List.of(Path.of("/dev/zero"), fifo, sparse)) {
            long start = System.nanoTime();
            CliRun outcome = run("check", "-c", input.toString());
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertEquals(1, outcome.exitCode(), outcome.err());
            assertEquals(input + ":1:1: config file is larger than the limit of 1 MiB (1048576 bytes)",
                    outcome.err().strip());
            assertTrue(millis < 5_000, input + " took " + millis + " ms");
        }
        writer.join(10_000);
        assertFalse(writer.isAlive());
    }

    @Test
    void configWrittenIntoAFifoIsChecked() throws Exception {
        Path fifo = fifo("config.fifo");
        Thread writer = new Thread(() -> {
            try {
                Files.writeString(fifo, "l7:\n  frontends: { web: { bind: 127.0.0.1:18080, default-backend: app } }\n"
                        + "  backends: { app: { servers: { a: 127.0.0.1:9002 } } }\n");
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        writer.start();
        CliRun outcome = run("check", "-c", fifo.toString());
        writer.join(10_000);
        assertEquals(0, outcome.exitCode(), outcome.err());
        assertTrue(outcome.out().contains("is valid: 1 frontend(s)"), outcome.out());
    }

    private Path fifo(String name) throws Exception {
        Path fifo = dir.resolve(name);
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
        assertEquals(0, mkfifo.waitFor());
        return fifo;
    }

    @Test
    void unknownCommandIsAUsageError() {
        CliRun outcome = run("frobnicate");
        assertEquals(2, outcome.exitCode());
        assertTrue(outcome.err().contains("frobnicate"), outcome.err());
    }

    @Test
    void helpDescribesWhatIsBuiltAndNothingThatIsNot() {
        CliRun outcome = run("--help");
        assertEquals(0, outcome.exitCode());
        String help = outcome.out().replaceAll("\\s+", " ");
        assertTrue(help.contains("HTTP/1.1 reverse proxy (L7), TCP and UDP proxying (L4)"), help);
        assertTrue(help.contains("VRRP failover"), help);
        assertFalse(help.contains("state sharing"), help);
    }

    @Test
    void versionPrintsTheVersion() {
        CliRun outcome = run("version");
        assertEquals(0, outcome.exitCode());
        assertTrue(outcome.out().startsWith("tandem "), outcome.out());
    }
}
