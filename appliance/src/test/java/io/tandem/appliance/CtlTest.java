package io.tandem.appliance;

import io.tandem.core.testing.TestHttpBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code tandem ctl}: the daemon's replies printed, and an exit code for each kind of failure (docs/cli.md). */
class CtlTest {

    @TempDir
    Path dir;
    private TestHttpBackend app;
    private AutoCloseable daemon;
    private Path socket;

    static CliRun ctl(String... args) {
        String[] all = new String[args.length + 1];
        all[0] = "ctl";
        System.arraycopy(args, 0, all, 1, args.length);
        return CliRun.of(all);
    }

    static String config(int port, String server, Path socket) {
        return """
                global: { workers: 1, log: none }
                l7:
                  frontends:
                    web: { bind: "127.0.0.1:%d", default-backend: app }
                  backends:
                    app: { servers: { app-01: "%s" } }
                admin: { socket: "%s" }
                """.formatted(port, server, socket);
    }

    @BeforeEach
    void start() throws Exception {
        app = TestHttpBackend.start("app-01");
        socket = dir.resolve("tandem.sock");
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        daemon = TestDaemons.start(config(port, app.hostPort().toString(), socket));
    }

    @AfterEach
    void stop() throws Exception {
        daemon.close();
        app.close();
    }

    @Test
    void showServersPrintsTheTableAndExitsZero() {
        CliRun outcome = ctl("-s", socket.toString(), "show", "servers");
        assertEquals(0, outcome.exitCode(), outcome.err());
        assertTrue(outcome.out().startsWith("BACKEND  SERVER  ADDRESS"), outcome.out());
        assertTrue(outcome.out().contains("app      app-01  " + app.hostPort()), outcome.out());
    }

    @Test
    void jsonFlagAsksForTheJsonForm() {
        CliRun outcome = ctl("-s", socket.toString(), "--json", "disable", "server", "app/app-01");
        assertEquals(0, outcome.exitCode(), outcome.err());
        assertEquals("{\"server\":\"app/app-01\",\"admin\":\"maint\",\"was\":\"ready\",\"active\":0}\n", outcome.out());
    }

    @Test
    void unknownServerExitsFiveWithDidYouMean() {
        CliRun outcome = ctl("-s", socket.toString(), "disable", "server", "app/app-1");
        assertEquals(5, outcome.exitCode());
        assertEquals("error [not-found]: no server 'app-1' in backend 'app'; did you mean 'app-01'?\n", outcome.err());
        CliRun json = ctl("-s", socket.toString(), "--json", "disable", "server", "ap/app-01");
        assertEquals(5, json.exitCode());
        assertTrue(json.out().contains("\"suggestion\":\"app\""), json.out());
    }

    @Test
    void unknownCommandExitsTwoAndRefusalExitsOne() {
        assertEquals(2, ctl("-s", socket.toString(), "show", "stats").exitCode());
        CliRun refused = ctl("-s", socket.toString(), "del", "server", "app/app-01");
        assertEquals(1, refused.exitCode());
        assertTrue(refused.err().startsWith("error [refused]: server app/app-01 is in service"), refused.err());
    }

    @Test
    void absentOrDeadSocketMeansTheDaemonIsNotRunning() throws Exception {
        CliRun absent = ctl("-s", dir.resolve("none.sock").toString(), "show", "info");
        assertEquals(3, absent.exitCode());
        assertTrue(absent.err().startsWith("tandem ctl: the daemon is not running: no socket at "), absent.err());
        Path stale = dir.resolve("stale.sock");
        try (ServerSocketChannel left = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            left.bind(UnixDomainSocketAddress.of(stale));
        }
        CliRun dead = ctl("-s", stale.toString(), "show", "info");
        assertEquals(3, dead.exitCode());
        assertTrue(dead.err().contains("nothing listens on " + stale), dead.err());
    }

    @Test
    void aDaemonThatAcceptsButNeverAnswersTimesOutWithExitSix() throws Exception {
        Path mute = dir.resolve("mute.sock");
        try (ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            listener.bind(UnixDomainSocketAddress.of(mute));
            // Accepted by the kernel's backlog, and then nothing: no read, no reply, no close.
            long start = System.nanoTime();
            CliRun outcome = ctl("-s", mute.toString(), "--timeout", "300ms", "show", "info");
            long tookMillis = (System.nanoTime() - start) / 1_000_000;
            assertEquals(6, outcome.exitCode(), outcome.err());
            assertEquals("tandem ctl: the daemon on " + mute + " did not answer within 300 ms (is it stuck? see "
                    + "journalctl -u tandem; a longer wait: --timeout)\n", outcome.err());
            assertTrue(tookMillis >= 300 && tookMillis < 30_000, "gave up after the timeout: " + tookMillis + " ms");
        }
    }

    @Test
    void aTimeoutThatIsNoDurationIsAUsageError() {
        CliRun outcome = ctl("-s", socket.toString(), "--timeout", "soon", "show", "info");
        assertEquals(2, outcome.exitCode());
        assertTrue(outcome.err().contains("bad duration 'soon'"), outcome.err());
        assertEquals(2, ctl("-s", socket.toString(), "--timeout", "0s", "show", "info").exitCode());
    }

    @Test
    void socketComesFromTheConfigsAdminBlock() throws Exception {
        Path file = dir.resolve("tandem.yaml");
        Files.writeString(file, config(1, "127.0.0.1:2", socket));
        CliRun outcome = ctl("-c", file.toString(), "show", "cluster");
        assertEquals(0, outcome.exitCode(), outcome.err());
        assertEquals("cluster: not configured\n\n", outcome.out());
    }
}
