package io.tandem.appliance;

import io.tandem.core.net.EventLoops;
import io.tandem.core.testing.TestPorts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * wrk at full speed through an unchanged L7 frontend and an unchanged L4 service in front of it, while SIGHUP
 * reloads the daemon 20 times: servers, backends, frontends with their binds and L4 services added and removed,
 * and one file that fails the check in the middle. No socket error and no non-2xx response on the routes that
 * stay.
 */
class ReloadUnderLoadTest {
    private static final int RELOADS = 20;
    private static final int INVALID_AT = 10;

    @TempDir
    Path dir;

    private static String config(int cycle, int web, int l4, int extra, int side, List<DemoBackend> servers) {
        StringBuilder yaml = new StringBuilder("global: { workers: 1, maxconn: 2000 }\nl7:\n  frontends:\n");
        yaml.append("    web: { bind: \"127.0.0.1:").append(web).append("\", default-backend: app }\n");
        boolean withExtra = cycle % 3 == 1;
        if (withExtra) {
            yaml.append("    extra: { bind: \"127.0.0.1:").append(extra).append("\", default-backend: more }\n");
        }
        yaml.append("  backends:\n    app:\n      balance: roundrobin\n      servers:\n");
        yaml.append("        a: \"").append(servers.get(0).address()).append("\"\n");
        if (cycle % 2 == 1) {
            yaml.append("        b: \"").append(servers.get(1).address()).append("\"\n");
        }
        if (cycle % 4 >= 2) {
            yaml.append("        c: \"").append(servers.get(2).address()).append("\"\n");
        }
        if (withExtra) {
            yaml.append("    more: { servers: { c: \"").append(servers.get(2).address()).append("\" } }\n");
        }
        yaml.append("l4:\n  services:\n");
        yaml.append("    front: { listen: \"127.0.0.1:").append(l4).append("\", servers: { web: \"127.0.0.1:")
                .append(web).append("\" } }\n");
        if (cycle % 4 == 1) {
            yaml.append("    side: { listen: \"127.0.0.1:").append(side).append("\", servers: { a: \"")
                    .append(servers.get(0).address()).append("\" } }\n");
        }
        return yaml.toString();
    }

    private void write(Path file, String yaml) throws IOException {
        Path next = dir.resolve("next.yaml");
        Files.writeString(next, yaml);
        Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static Process wrk(int port, Path output) throws IOException {
        return new ProcessBuilder("wrk", "-t", "1", "-c", "8", "-d", "120s", "--timeout", "10s",
                "http://127.0.0.1:" + port + "/")
                .redirectErrorStream(true).redirectOutput(output.toFile()).start();
    }

    /** wrk's summary after SIGINT (it stops and prints it). */
    private static String stop(Process wrk, Path output) throws Exception {
        new ProcessBuilder("kill", "-INT", Long.toString(wrk.pid())).start().waitFor();
        assertTrue(wrk.waitFor(30, TimeUnit.SECONDS), "wrk did not stop");
        return Files.readString(output);
    }

    private static long requests(String summary) {
        Matcher m = Pattern.compile("(\\d+) requests in").matcher(summary);
        assertTrue(m.find(), summary);
        return Long.parseLong(m.group(1));
    }

    @Test
    void twentyReloadsUnderWrkCostNoSocketErrorAndNoNon2xxOnTheRoutesThatStay() throws Exception {
        int web = TestPorts.closedPort();
        int l4 = TestPorts.closedPort();
        int extra = TestPorts.closedPort();
        int side = TestPorts.closedPort();
        EventLoops loops = EventLoops.start(1);
        List<DemoBackend> servers = new ArrayList<>();
        try {
            for (String name : List.of("a", "b", "c")) {
                servers.add(DemoBackend.start(loops, name));
            }
            Path file = dir.resolve("tandem.yaml");
            write(file, config(0, web, l4, extra, side, servers));
            try (DaemonProcess daemon = DaemonProcess.run(file, dir.resolve("daemon.log"), Map.of(), "disabled")) {
                daemon.awaitListening(web);
                daemon.awaitListening(l4);
                Path l7Out = dir.resolve("wrk-l7.txt");
                Path l4Out = dir.resolve("wrk-l4.txt");
                Process l7Load = wrk(web, l7Out);
                Process l4Load = wrk(l4, l4Out);
                try {
                    long applied = 0;
                    for (int cycle = 1; cycle <= RELOADS; cycle++) {
                        String yaml = config(cycle, web, l4, extra, side, servers);
                        if (cycle == INVALID_AT) {
                            yaml = yaml.replace("default-backend: app", "default-backend: nowhere");
                        }
                        write(file, yaml);
                        daemon.signal("HUP");
                        if (cycle == INVALID_AT) {
                            daemon.awaitLog("refused: 1 error(s), nothing changed");
                        } else {
                            daemon.awaitLog(file + " applied", ++applied);
                        }
                        if (cycle % 3 == 1 && cycle != INVALID_AT) {
                            assertTrue(DaemonSignalsTest.get(extra).startsWith("Hello from c:"),
                                    "the added frontend serves");
                        }
                        Thread.sleep(200); // load between reloads, not a wait for a condition
                    }
                } finally {
                    String l7 = stop(l7Load, l7Out);
                    String l4Summary = stop(l4Load, l4Out);
                    String log = daemon.log();
                    assertFalse(l7.contains("Socket errors"), "wrk through the L7 frontend:\n" + l7 + log);
                    assertFalse(l7.contains("Non-2xx"), "wrk through the L7 frontend:\n" + l7);
                    assertFalse(l4Summary.contains("Socket errors"), "wrk through the L4 service:\n" + l4Summary);
                    assertFalse(l4Summary.contains("Non-2xx"), "wrk through the L4 service:\n" + l4Summary);
                    // Load flowed through both the whole time; its rate is a benchmark's business, not this test's.
                    assertTrue(requests(l7) > 20 && requests(l4Summary) > 20, l7 + l4Summary);
                    assertEquals(1, log.lines().filter(l -> l.contains("refused: 1 error(s)")).count(), log);
                    System.out.println("reload under load: " + requests(l7) + " requests through L7 and "
                            + requests(l4Summary) + " through L4 during " + RELOADS + " reloads");
                }
                daemon.signal("TERM");
                assertEquals(0, daemon.awaitExit(Duration.ofSeconds(40)));
            }
        } finally {
            servers.forEach(DemoBackend::close);
            loops.close();
        }
    }
}
