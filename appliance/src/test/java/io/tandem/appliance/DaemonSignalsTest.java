package io.tandem.appliance;

import io.tandem.core.testing.Await;
import io.tandem.core.testing.TestHttpBackend;
import io.tandem.core.testing.TestPorts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A real {@code tandem run} and real signals: SIGHUP never stops a node, a second SIGTERM ends a stuck drain. */
class DaemonSignalsTest {
    @TempDir
    Path dir;

    private Path config(int port, int backendPort, String hardStopAfter) throws IOException {
        Path file = dir.resolve("tandem.yaml");
        Files.writeString(file, """
                global: { workers: 1, hard-stop-after: %s }
                l7:
                  frontends: { web: { bind: "127.0.0.1:%d", default-backend: app } }
                  backends: { app: { servers: { a: "127.0.0.1:%d" } } }
                """.formatted(hardStopAfter, port, backendPort));
        return file;
    }

    /** GET / on a fresh connection; the body. */
    static String get(int port) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertTrue(response.startsWith("HTTP/1.1 200"), response);
            return response.substring(response.indexOf("\r\n\r\n") + 4);
        }
    }

    @Test
    void sighupAndSigusr1NeverStopTheDaemon() throws Exception {
        int port = TestPorts.closedPort();
        try (TestHttpBackend backend = TestHttpBackend.start("a");
             DaemonProcess daemon = DaemonProcess.run(config(port, backend.port(), "10s"), dir.resolve("log"))) {
            daemon.awaitListening(port);
            for (int i = 1; i <= 3; i++) {
                daemon.signal("HUP");
                daemon.awaitLog("SIGHUP", i);
                assertEquals("a\n", get(port));
            }
            daemon.signal("USR1");
            daemon.awaitLog("SIGUSR1: ignored");
            assertEquals("a\n", get(port));
            assertTrue(daemon.alive());
            daemon.signal("TERM");
            assertEquals(0, daemon.awaitExit(Duration.ofSeconds(20)));
        }
    }

    @Test
    void aSecondSignalDuringAStuckDrainStopsAtOnceClosingTheOpenConnectionsAndSighupIsIgnored() throws Exception {
        int port = TestPorts.closedPort();
        try (StuckBackend backend = new StuckBackend();
             DaemonProcess daemon = DaemonProcess.run(config(port, backend.port(), "60s"), dir.resolve("log"));
             Socket client = new Socket()) {
            daemon.awaitListening(port);
            client.connect(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            OutputStream out = client.getOutputStream();
            out.write("GET /stuck HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            Await.until("the request reached the backend", () -> backend.accepted.size() == 1);
            daemon.signal(firstStopSignal());
            daemon.awaitLog("stopping: listeners closed, draining 1 connection(s)");
            daemon.signal("HUP");
            daemon.awaitLog("SIGHUP: ignored, the daemon is stopping");
            long second = System.nanoTime();
            daemon.signal("TERM");
            assertEquals(0, daemon.awaitExit(Duration.ofSeconds(10)), daemon::log);
            long millis = (System.nanoTime() - second) / 1_000_000;
            assertTrue(millis < 5000, "the second signal took " + millis + " ms to stop the daemon");
            assertEquals(1, daemon.count("second signal: stopping now, closing 1 connection(s)"), daemon::log);
            InputStream in = client.getInputStream();
            client.setSoTimeout(10_000);
            in.readAllBytes(); // the connection was closed: the read ends
        }
    }

    /** A backend that accepts connections and never answers. */
    private static final class StuckBackend implements AutoCloseable {
        final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        final List<Socket> accepted = new CopyOnWriteArrayList<>();
        final Thread acceptor = new Thread(this::accept, "stuck-backend");

        StuckBackend() throws IOException {
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return server.getLocalPort();
        }

        private void accept() {
            try {
                while (true) {
                    accepted.add(server.accept());
                }
            } catch (IOException closed) {
                // The test is over.
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket socket : accepted) {
                socket.close();
            }
        }
    }

    /**
     * INT, unless this process ignores it: a command started in the background by a script without job control
     * ignores SIGINT, the daemon child inherits that, and the JVM then never installs a handler for it.
     */
    private static String firstStopSignal() throws java.io.IOException {
        for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
            if (line.startsWith("SigIgn:") && (Long.parseLong(line.substring(7).trim(), 16) & (1L << 1)) != 0) {
                return "TERM";
            }
        }
        return "INT";
    }
}
