package io.tandem.appliance.admin;

import io.tandem.core.testing.Await;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/** {@code show stat} has HAProxy's columns: the header is compared with what Debian's HAProxy prints. */
class StatColumnsTest {
    private static final Path HAPROXY = Path.of("/usr/sbin/haproxy");

    @TempDir
    Path dir;

    @Test
    void showStatHeaderIsHaproxysUpToItsStatsModules() throws Exception {
        if (!Files.isExecutable(HAPROXY)) {
            if ("true".equals(System.getenv("CI"))) {
                fail("CI=true but " + HAPROXY + " is missing: install Debian's haproxy package");
            }
            Assumptions.abort(HAPROXY + " is not installed (apt-get install haproxy), so there is no header to compare");
        }
        Path socket = dir.resolve("haproxy.sock");
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        Path config = dir.resolve("haproxy.cfg");
        Files.writeString(config, """
                global
                  stats socket %s mode 600 level admin
                defaults
                  mode http
                  timeout connect 1s
                  timeout client 5s
                  timeout server 5s
                frontend fe
                  bind 127.0.0.1:%d
                  default_backend be
                backend be
                  server s1 127.0.0.1:1
                """.formatted(socket, port));
        Process haproxy = new ProcessBuilder(HAPROXY.toString(), "-db", "-f", config.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("haproxy.log").toFile()).start();
        try {
            String reply = showStat(socket);
            String header = reply.lines().findFirst().orElseThrow();
            List<String> columns = Arrays.asList(header.substring(2).split(","));
            // HAProxy's own fields end where its stats modules' columns begin, after a "-" column.
            int modules = columns.indexOf("-");
            assertEquals(modules < 0 ? columns : columns.subList(0, modules), StatTable.COLUMNS);
        } finally {
            haproxy.destroy();
            haproxy.waitFor();
        }
    }

    /** The first reply to {@code show stat}; the socket may exist a moment before it accepts. */
    private static String showStat(Path socket) throws InterruptedException {
        String[] reply = new String[1];
        Await.until("haproxy answers show stat", () -> {
            try {
                reply[0] = AdminClient.send(socket, "show stat");
                return true;
            } catch (IOException notYet) {
                return false;
            }
        });
        return reply[0];
    }
}
