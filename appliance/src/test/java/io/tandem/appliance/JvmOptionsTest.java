package io.tandem.appliance;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code tandem jvm-options}: the heap follows maxconn and the collector follows workers. */
class JvmOptionsTest {

    private static final String CONFIG = """
            global: { workers: %d, maxconn: %d }
            l7:
              frontends:
                web: { bind: "127.0.0.1:18080", default-backend: pool }
              backends:
                pool: { servers: { s1: "127.0.0.1:18081" } }
            """;

    @TempDir
    Path dir;

    private List<String> options(int workers, int maxconn) throws Exception {
        Path file = dir.resolve("w" + workers + "m" + maxconn + ".yaml");
        Files.writeString(file, CONFIG.formatted(workers, maxconn));
        CliRun run = CliRun.of("jvm-options", "-c", file.toString());
        assertEquals(0, run.exitCode(), run.err());
        return List.of(run.out().trim().split(" "));
    }

    private static long mib(List<String> options, String prefix) {
        String option = options.stream().filter(o -> o.startsWith(prefix)).findFirst().orElseThrow();
        return Long.parseLong(option.substring(prefix.length(), option.length() - 1));
    }

    @Test
    void heapGrowsWithMaxconnAtTheMeasuredCostPerConnection() throws Exception {
        List<String> small = options(1, 1000);
        List<String> large = options(1, 50_000);
        long perConnection = (mib(large, "-Xmx") - mib(small, "-Xmx")) * 1024 * 1024 / 49_000;
        assertTrue(perConnection >= 4096 && perConnection <= 6144, perConnection + " B per connection");
        assertEquals(mib(small, "-Xms"), mib(large, "-Xms"), "the committed start does not follow maxconn");
        assertTrue(mib(small, "-Xmx") <= 128, "1000 connections need a small heap: " + small);
    }

    private List<String> optionsOf(String name, String yaml) throws Exception {
        Path file = dir.resolve(name + ".yaml");
        Files.writeString(file, yaml);
        CliRun run = CliRun.of("jvm-options", "-c", file.toString());
        assertEquals(0, run.exitCode(), run.err());
        return List.of(run.out().trim().split(" "));
    }

    @Test
    void fullStickTablesCountInTheLimitAndInAClusterNodesStart() throws Exception {
        String tables = CONFIG.formatted(1, 1000).replace("default-backend: pool }",
                "default-backend: pool, stick-table: { type: ip, size: 1m, expire: 5m } }");
        String cluster = tables + """
                cluster:
                  name: pair
                  bind: 127.0.0.1:17800
                  members: [127.0.0.1:17800, 127.0.0.1:17801]
                  secret: "file:%s"
                """.formatted(dir.resolve("cluster.key"));
        Files.writeString(dir.resolve("cluster.key"), "a secret of the pair, long enough for the check\n");
        List<String> none = options(1, 1000);
        List<String> alone = optionsOf("tables", tables);
        long tableMib = mib(alone, "-Xmx") - mib(none, "-Xmx");
        assertTrue(tableMib >= 400 && tableMib <= 600, "a million entries at 400-600 B each: " + tableMib + " MiB");
        assertEquals(mib(none, "-Xms"), mib(alone, "-Xms"), "without a cluster a table fills with traffic: " + alone);
        List<String> paired = optionsOf("cluster", cluster);
        long start = mib(paired, "-Xms") - mib(none, "-Xms");
        assertTrue(Math.abs(start - tableMib) <= 1, "a joining node receives full tables at once: " + paired);
        assertEquals(mib(alone, "-Xmx"), mib(paired, "-Xmx"));
    }

    @Test
    void aHugeMaxconnIsCappedByTheMachinesMemory() throws Exception {
        long physicalMib = ManagementFactory.getPlatformMXBean(com.sun.management.OperatingSystemMXBean.class)
                .getTotalMemorySize() / (1024 * 1024);
        assertTrue(mib(options(1, 10_000_000), "-Xmx") <= physicalMib / 4 * 3 + 1, "capped at 3/4 of " + physicalMib);
    }

    @Test
    void oneOrTwoWorkersUseSerialMoreUseParallel() throws Exception {
        assertTrue(options(1, 4096).contains("-XX:+UseSerialGC"));
        assertTrue(options(2, 4096).contains("-XX:+UseSerialGC"));
        assertTrue(options(4, 4096).contains("-XX:+UseParallelGC"));
        assertTrue(mib(options(4, 4096), "-Xmn") > mib(options(1, 4096), "-Xmn"), "young generation per worker");
    }

    @Test
    void directMemoryAndCodeCacheAreCapped() throws Exception {
        List<String> options = options(1, 4096);
        assertTrue(options.stream().anyMatch(o -> o.startsWith("-XX:MaxDirectMemorySize=")), options.toString());
        assertTrue(options.stream().anyMatch(o -> o.startsWith("-XX:ReservedCodeCacheSize=")), options.toString());
    }

    @Test
    void aFileThatDoesNotLoadExitsOneWithItsErrors() throws Exception {
        Path file = dir.resolve("bad.yaml");
        Files.writeString(file, "global: { workers: [ }\n");
        CliRun run = CliRun.of("jvm-options", "-c", file.toString());
        assertEquals(1, run.exitCode());
        assertTrue(run.err().contains("bad.yaml:"), run.err());
    }
}
