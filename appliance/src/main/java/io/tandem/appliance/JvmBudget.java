package io.tandem.appliance;

import com.sun.management.HotSpotDiagnosticMXBean;
import io.tandem.core.config.BackendConfig;
import io.tandem.core.config.FrontendConfig;
import io.tandem.core.config.ServiceConfig;
import io.tandem.core.config.TandemConfig;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

/**
 * The JVM's memory budget derived from a config: a heap sized to the live data of {@code maxconn} connections and
 * full stick tables with headroom, a young generation sized to the allocation rate, the collector, and caps on
 * direct memory and code cache. bin/tandem asks for it ({@code tandem jvm-options}) before it starts the daemon; docs/performance.md
 * explains the figures.
 */
record JvmBudget(int workers, long connections, long tableEntries, boolean cluster, long physicalMemory,
                 int javaFeature, boolean trimNativeHeap) {
    private static final long MIB = 1024 * 1024;
    /** Live heap of one idle keep-alive connection is about 2.5 KiB (bench/alloc.sh); twice that is the headroom. */
    static final long HEAP_PER_CONNECTION = 5 * 1024;
    /**
     * A stick-table entry holds 266 B of heap on the node that made it and about 400 B on a peer that also keeps the
     * other node's counters (bench/cluster.sh); 512 is the headroom.
     */
    static final long HEAP_PER_TABLE_ENTRY = 512;
    /** Live heap without connections is 7-8 MiB after a load run (bench/alloc.sh); 24 leaves room for big configs. */
    static final long OLD_BASE = 24 * MIB;
    /**
     * Per worker: at ~700 B per request (MemoryBudgetTest, bench/alloc.sh) and ~40 000 requests/s a worker fills
     * 12 MiB about twice a second, as 24 MiB did at 1.4 KB (bench/l7.sh: the same rps and CPU per request); every
     * eden page is resident once a load has run through it, so this is most of the RSS that does not follow
     * connections (docs/performance.md).
     */
    static final long YOUNG_PER_WORKER = 12 * MIB;
    static final long YOUNG_MIN = 12 * MIB;
    static final long YOUNG_MAX = 512 * MIB;

    /** The budget for {@code config} on this JVM ({@code cores} for {@code workers: 0}). */
    static JvmBudget of(TandemConfig config, int cores) {
        int workers = config.global().workers() > 0 ? config.global().workers() : cores;
        long connections = config.global().maxconn();
        for (ServiceConfig service : config.l4().services().values()) {
            connections += service.maxconn();
        }
        long entries = 0;
        for (FrontendConfig frontend : config.l7().frontends().values()) {
            entries += frontend.stickTable() == null ? 0 : frontend.stickTable().size();
        }
        for (BackendConfig backend : config.l7().backends().values()) {
            entries += backend.stickTable() == null ? 0 : backend.stickTable().size();
        }
        long physical = ManagementFactory.getPlatformMXBean(com.sun.management.OperatingSystemMXBean.class)
                .getTotalMemorySize();
        return new JvmBudget(workers, connections, entries, config.cluster().enabled(), physical,
                Runtime.version().feature(),
                supports("TrimNativeHeapInterval"));
    }

    long youngBytes() {
        return Math.min(YOUNG_MAX, Math.max(YOUNG_MIN, YOUNG_PER_WORKER * workers));
    }

    /**
     * The heap's start: what the process needs without connections; in a cluster, with its tables full too, since a
     * node that joins receives its peer's tables at once (a heap grown by full collections during that state
     * transfer took a million entries 5.1 s instead of 3.7-4.1, bench/cluster.sh's driver).
     */
    long initialHeapBytes() {
        long base = youngBytes() + OLD_BASE;
        return Math.max(base, Math.min(base + (cluster ? tablesBytes() : 0), physicalMemory / 4 * 3));
    }

    /** Full stick tables: on a node without a cluster they fill with its traffic, so only the limit holds them. */
    private long tablesBytes() {
        return tableEntries * HEAP_PER_TABLE_ENTRY;
    }

    /** The heap's limit: the start plus maxconn connections and full tables, at most 3/4 of the machine's memory. */
    long maxHeapBytes() {
        long wanted = youngBytes() + OLD_BASE + tablesBytes() + connections * HEAP_PER_CONNECTION;
        return Math.max(initialHeapBytes(), Math.min(wanted, physicalMemory / 4 * 3));
    }

    /** The options, in the order bin/tandem passes them. */
    List<String> options() {
        List<String> options = new ArrayList<>();
        // The start is committed, the limit only reserved: a maxconn far above what arrives costs address space.
        options.add("-Xms" + initialHeapBytes() / MIB + "m");
        options.add("-Xmx" + (maxHeapBytes() + MIB - 1) / MIB + "m");
        options.add("-Xmn" + youngBytes() / MIB + "m");
        // One or two event loops: Serial's single-threaded young collection of a mostly dead young generation is as
        // short as Parallel's and keeps no GC worker threads or their per-thread structures (bench/alloc.sh RSS).
        options.add(workers <= 2 ? "-XX:+UseSerialGC" : "-XX:+UseParallelGC");
        options.add("-XX:MaxDirectMemorySize=" + Math.max(128, 64L * workers) + "m");
        options.add("-XX:ReservedCodeCacheSize=48m");
        if (trimNativeHeap) {
            // Gives freed C2 compiler arenas back to the OS (20-30 MiB of RSS after warm-up).
            options.add("-XX:TrimNativeHeapInterval=5000");
        }
        if (javaFeature >= 25) {
            options.add("-XX:+UseCompactObjectHeaders");
        }
        return options;
    }

    private static boolean supports(String flag) {
        try {
            ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class).getVMOption(flag);
            return true;
        } catch (IllegalArgumentException absent) {
            return false;
        }
    }
}
