package io.tandem.appliance;

import io.tandem.core.testing.Await;
import io.tandem.core.testing.TestHttpBackend;
import io.tandem.core.testing.TestPorts;
import jnr.unixsocket.UnixDatagramChannel;
import jnr.unixsocket.UnixSocketAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static io.tandem.appliance.DaemonSignalsTest.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A real {@code tandem run} reloaded by SIGHUP: a changed file applied hitlessly, an invalid one refused. */
class DaemonReloadTest {
    @TempDir
    Path dir;

    private Path write(String yaml) throws IOException {
        Path file = dir.resolve("tandem.yaml");
        Path next = dir.resolve("tandem.yaml.next");
        Files.writeString(next, yaml);
        // Renamed into place, as editors and config managers do: a reload never reads half a file.
        Files.move(next, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        return file;
    }

    /** A config of one event loop with {@code frontends} and {@code backends}, each a line per entry. */
    private static String l7(String frontends, String backends) {
        return "global: { workers: 1 }\nl7:\n  frontends:\n" + frontends.indent(4) + "  backends:\n"
                + backends.indent(4);
    }

    private static String oneFrontend(int port, TestHttpBackend a) {
        return l7("web: { bind: \"127.0.0.1:" + port + "\", default-backend: app }",
                "app: { servers: { a: \"127.0.0.1:" + a.port() + "\" } }");
    }

    @Test
    void sighupAppliesAChangedFileWithoutRefusingAConnection() throws Exception {
        int port = TestPorts.closedPort();
        int newPort = TestPorts.closedPort();
        try (TestHttpBackend a = TestHttpBackend.start("a"); TestHttpBackend b = TestHttpBackend.start("b");
             DaemonProcess daemon = DaemonProcess.run(write(oneFrontend(port, a)), dir.resolve("log"));
             Prober prober = new Prober(port)) {
            daemon.awaitListening(port);
            prober.start();
            Await.until("the prober got answers", () -> prober.ok.get() > 20);
            Path file = write(l7("web: { bind: \"127.0.0.1:" + port + "\", default-backend: app }\n"
                    + "api: { bind: \"127.0.0.1:" + newPort + "\", default-backend: api }",
                    "app: { balance: roundrobin, servers: { a: \"127.0.0.1:" + a.port() + "\", b: \"127.0.0.1:"
                    + b.port() + "\" } }\napi: { servers: { b: \"127.0.0.1:" + b.port() + "\" } }"));
            daemon.signal("HUP");
            daemon.awaitLog("reload of " + file + " applied");
            String log = daemon.log();
            assertTrue(log.contains("SIGHUP: reloading " + file), log);
            assertTrue(log.contains("frontend api: added"), log);
            assertTrue(log.contains("backend api: added"), log);
            assertTrue(log.contains("backend app: changed"), log);
            assertTrue(log.contains("frontend api on 127.0.0.1:" + newPort + ": listening"), log);
            assertEquals("b\n", get(newPort), "the new bind serves the new backend");
            int viaApi = b.requests();
            Await.until("the kept frontend balances over the added server b", () -> b.requests() > viaApi + 5);

            write(oneFrontend(port, a));
            daemon.signal("HUP");
            daemon.awaitLog("applied", 2);
            assertTrue(daemon.log().contains("frontend api on 127.0.0.1:" + newPort + ": stopped listening"),
                    daemon.log());
            assertThrows(ConnectException.class, () -> get(newPort), "the removed bind refuses connections");
            int before = prober.ok.get();
            Await.until("the prober got more answers", () -> prober.ok.get() > before + 20);
            prober.close();
            assertEquals(List.of(), List.copyOf(prober.failures), "the kept listener never refused or failed");
            daemon.signal("TERM");
            assertEquals(0, daemon.awaitExit(Duration.ofSeconds(20)));
        }
    }

    @Test
    void sighupWithAnInvalidFileChangesNothingAndLogsEveryError() throws Exception {
        int port = TestPorts.closedPort();
        try (TestHttpBackend a = TestHttpBackend.start("a");
             DaemonProcess daemon = DaemonProcess.run(write(oneFrontend(port, a)), dir.resolve("log"))) {
            daemon.awaitListening(port);
            Path file = write(l7("web: { bind: \"127.0.0.1:" + port + "\", default-backend: nowhere }",
                    "app: { balance: roundrobn, servers: { a: \"127.0.0.1:" + a.port() + "\" } }"));
            daemon.signal("HUP");
            daemon.awaitLog("reload of " + file + " refused: 2 error(s), nothing changed");
            String log = daemon.log();
            assertTrue(log.contains(file + ":4:"), log);
            assertTrue(log.contains(file + ":6:"), log);
            assertTrue(log.contains("roundrobn"), log);
            assertEquals("a\n", get(port), "the running config still serves");
            assertTrue(daemon.alive());
        }
    }

    @Test
    void aListenerThatCannotOpenRefusesTheReloadAndGlobalSettingsWaitForARestart() throws Exception {
        int port = TestPorts.closedPort();
        int newPort = TestPorts.closedPort();
        try (TestHttpBackend a = TestHttpBackend.start("a");
             java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             DaemonProcess daemon = DaemonProcess.run(write(oneFrontend(port, a)), dir.resolve("log"))) {
            daemon.awaitListening(port);
            Path file = write(l7("web: { bind: \"127.0.0.1:" + port + "\", default-backend: app }\n"
                    + "more: { bind: \"127.0.0.1:" + newPort + "\", default-backend: app }",
                    "app: { servers: { a: \"127.0.0.1:" + a.port() + "\" } }")
                    + "l4:\n  services:\n    side: { listen: \"127.0.0.1:" + taken.getLocalPort()
                    + "\", servers: { a: \"127.0.0.1:" + a.port() + "\" } }\n");
            daemon.signal("HUP");
            daemon.awaitLog("reload of " + file + " refused: 1 error(s)");
            assertTrue(daemon.log().contains("service side: cannot listen on tcp 127.0.0.1:" + taken.getLocalPort()),
                    daemon.log());
            assertThrows(ConnectException.class, () -> get(newPort), "the L7 bind opened for it was closed again");
            assertEquals("a\n", get(port));

            write(oneFrontend(port, a).replace("global: { workers: 1 }",
                    "global: { workers: 2, hard-stop-after: 5s }"));
            daemon.signal("HUP");
            daemon.awaitLog("applied", 1);
            String log = daemon.log();
            assertTrue(log.contains("global.workers 2 (running: 1): needs a restart, the running value is kept"), log);
            assertTrue(log.contains("global.hard-stop-after: 5000ms"), log);
        }
    }

    @Test
    void aChangedClusterSectionIsReportedAsWaitingForARestartAndItsSecretIsNotLogged() throws Exception {
        int port = TestPorts.closedPort();
        int me = TestPorts.closedPort();
        int peer = TestPorts.closedPort();
        Path key = Files.writeString(dir.resolve("cluster.key"), "first-secret-of-the-reload-test\n");
        String cluster = """
                cluster:
                  name: reload-pair
                  bind: 127.0.0.1:%d
                  members: [127.0.0.1:%d, 127.0.0.1:%d]
                  secret: file:%s
                """.formatted(me, me, peer, key);
        try (TestHttpBackend a = TestHttpBackend.start("a");
             DaemonProcess daemon = DaemonProcess.run(write(oneFrontend(port, a) + cluster), dir.resolve("log"))) {
            daemon.awaitListening(port);
            daemon.awaitLog("is ready");
            Files.writeString(key, "second-secret-of-the-reload-test\n");
            write(oneFrontend(port, a) + cluster.replace("reload-pair", "renamed-pair"));
            daemon.signal("HUP");
            daemon.awaitLog("applied", 1);
            String log = daemon.log();
            assertTrue(log.contains("cluster renamed-pair bind 127.0.0.1:" + me + " members [127.0.0.1:" + me
                    + ", 127.0.0.1:" + peer + "] share [rate-limits, stick-tables] (running: reload-pair bind "
                    + "127.0.0.1:" + me + " members [127.0.0.1:" + me + ", 127.0.0.1:" + peer + "] share "
                    + "[rate-limits, stick-tables]; another secret): needs a restart, the running value is kept"), log);
            assertTrue(!log.contains("first-secret") && !log.contains("second-secret"), log);
            assertEquals("a\n", get(port));
        }
    }

    @Test
    void sighupKeepsTheHealthOfTheServersItDoesNotChange() throws Exception {
        int port = TestPorts.closedPort();
        int dead = TestPorts.closedPort();
        String config = """
                global: { workers: 1 }
                l7:
                  frontends:
                    web: { bind: "127.0.0.1:%d", default-backend: app }
                  backends:
                    app:
                      check: { http: GET /, inter: 200ms, fall: 1, rise: 1 }
                      servers: { a: "127.0.0.1:%d", dead: "127.0.0.1:%d" }
                """;
        try (TestHttpBackend a = TestHttpBackend.start("a")) {
            String before = config.formatted(port, a.port(), dead);
            try (DaemonProcess daemon = DaemonProcess.run(write(before), dir.resolve("log"))) {
                daemon.awaitListening(port);
                daemon.awaitLog("server app/dead DOWN");
                String other = "\n    other: { bind: \"127.0.0.1:" + TestPorts.closedPort()
                        + "\", default-backend: app }";
                Path file = write(before.replace("default-backend: app }", "default-backend: app }" + other));
                daemon.signal("HUP");
                daemon.awaitLog("reload of " + file + " applied");
                for (int i = 0; i < 10; i++) {
                    assertEquals("a\n", get(port), "only a, which is up, serves: dead stayed DOWN");
                }
                assertEquals(1, daemon.count("server app/dead DOWN"), "dead's health carried over:\n" + daemon.log());
                assertEquals(0, daemon.count("server app/a UP"), "a was never taken for down:\n" + daemon.log());
            }
        }
    }

    @Test
    void sighupDuringStartupReloadsOnceStarted() throws Exception {
        int port = TestPorts.closedPort();
        Path fifo = dir.resolve("access.fifo");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
        assertEquals(0, mkfifo.waitFor());
        try (TestHttpBackend a = TestHttpBackend.start("a")) {
            // Opening the access log (a FIFO with no reader yet) holds the startup where the test wants it.
            String config = oneFrontend(port, a).replace("global: { workers: 1 }",
                    "global: { workers: 1, log: \"file:" + fifo + "\" }");
            try (DaemonProcess daemon = DaemonProcess.run(write(config), dir.resolve("log"))) {
                daemon.awaitLog("starting from");
                daemon.signal("HUP");
                daemon.awaitLog("SIGHUP during startup: reloading once started");
                Thread reader = new Thread(() -> {
                    try (InputStream in = Files.newInputStream(fifo)) {
                        in.transferTo(OutputStream.nullOutputStream());
                    } catch (IOException ignored) {
                        // The daemon has gone.
                    }
                });
                reader.setDaemon(true);
                reader.start();
                daemon.awaitLog("reload of ");
                assertTrue(daemon.log().contains("applied: no change"), daemon.log());
                assertEquals("a\n", get(port));
                daemon.signal("TERM");
                assertEquals(0, daemon.awaitExit(Duration.ofSeconds(20)));
            }
        }
    }

    @Test
    void systemdHearsReadyReloadingAndStopping() throws Exception {
        int port = TestPorts.closedPort();
        Path socketPath = dir.resolve("notify.sock");
        try (TestHttpBackend a = TestHttpBackend.start("a");
             UnixDatagramChannel systemd = UnixDatagramChannel.open()) {
            systemd.bind(new UnixSocketAddress(socketPath.toFile()));
            systemd.configureBlocking(false);
            try (DaemonProcess daemon = DaemonProcess.run(write(oneFrontend(port, a)), dir.resolve("log"),
                    Map.of("NOTIFY_SOCKET", socketPath.toString()))) {
                String ready = receive(systemd);
                assertTrue(ready.startsWith("READY=1\nSTATUS=serving 1 frontend(s)"), ready);
                assertEquals("a\n", get(port), "READY=1 came once listening");
                daemon.signal("HUP");
                String reloading = receive(systemd);
                assertTrue(reloading.matches("(?s)RELOADING=1\nMONOTONIC_USEC=\\d+\nSTATUS=reloading .*"), reloading);
                long usec = Long.parseLong(reloading.split("\n")[1].substring("MONOTONIC_USEC=".length()));
                assertTrue(Math.abs(usec - System.nanoTime() / 1000) < 60_000_000L, "CLOCK_MONOTONIC: " + usec);
                String reloaded = receive(systemd);
                assertTrue(reloaded.startsWith("READY=1\nSTATUS=reload applied"), reloaded);
                daemon.signal("TERM");
                String stopping = receive(systemd);
                assertTrue(stopping.startsWith("STOPPING=1\nSTATUS=stopping"), stopping);
                assertEquals(0, daemon.awaitExit(Duration.ofSeconds(20)));
            }
        }
    }

    @Test
    void notificationsReachAnAbstractSocket() throws Exception {
        String name = "tandem-notify-test-" + ProcessHandle.current().pid();
        try (UnixDatagramChannel systemd = UnixDatagramChannel.open()) {
            systemd.bind(new UnixSocketAddress("\0" + name));
            systemd.configureBlocking(false);
            SystemdNotify.of("@" + name).ready("serving");
            assertEquals("READY=1\nSTATUS=serving", receive(systemd));
        }
    }

    private static String receive(UnixDatagramChannel channel) throws Exception {
        ByteBuffer buffer = ByteBuffer.allocate(4096);
        Await.until("a notification", () -> {
            try {
                return channel.receive(buffer) != null || buffer.position() > 0;
            } catch (IOException nothingYet) {
                // jnr's non-blocking receive reports an empty queue as EAGAIN.
                return false;
            }
        });
        buffer.flip();
        return StandardCharsets.UTF_8.decode(buffer).toString();
    }

    /** New connections to a port, one after another, each a GET: every refusal or non-200 is recorded. */
    private static final class Prober implements AutoCloseable {
        final int port;
        final AtomicInteger ok = new AtomicInteger();
        final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        final AtomicBoolean running = new AtomicBoolean(true);
        final Thread thread = new Thread(this::run, "prober");

        Prober(int port) {
            this.port = port;
        }

        void start() {
            thread.start();
        }

        private void run() {
            while (running.get()) {
                try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
                    socket.setSoTimeout(10_000);
                    socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
                            .getBytes(StandardCharsets.US_ASCII));
                    String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
                    if (response.startsWith("HTTP/1.1 200")) {
                        ok.incrementAndGet();
                    } else {
                        failures.add(response.lines().findFirst().orElse("<empty response>"));
                    }
                } catch (IOException e) {
                    failures.add(e.toString());
                }
            }
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join(20_000);
        }
    }
}
