package io.tandem.cluster;

import io.tandem.core.config.ClusterConfig;
import io.tandem.core.config.ConfigVersion;
import io.tandem.core.config.HostPort;
import io.tandem.core.stick.StickData;
import io.tandem.core.stick.StickEvent;
import io.tandem.core.stick.StickKeyType;
import io.tandem.core.stick.StickSchema;
import io.tandem.core.stick.StickTable;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * bench/cluster.sh's driver: two {@link ClusterNode}s in this JVM over TCP on 127.0.0.1, with the full stack
 * (authentication, encryption), each with its own stick table {@code l7 frontend/web} (type ip, a server and
 * {@code http_req_rate(10s)}, as a frontend that sticks and rate-limits). Prints {@code name=value} lines.
 * <ul>
 *   <li>{@code replication RATE SECONDS WARMUP BASE_PORT}: node a sticks a new key RATE times a second; a reader
 *   on b polls for each key in order (delivery is ordered) and records the time from a's write to the entry on
 *   b. The first WARMUP seconds are not counted.</li>
 *   <li>{@code transfer ENTRIES BASE_PORT}: a holds ENTRIES entries, b joins: the time from b's start to ready
 *   (join plus state transfer), and the heap each entry takes in a's table and in b's (the replicated copy,
 *   which holds a's share of its counter), measured after full collections, the second with both nodes
 *   closed.</li>
 * </ul>
 */
public final class ClusterBench {
    private static final String SECRET = "YmVuY2gtcGFpci1zZWNyZXQtb2YtMzItYnl0ZXMtbG9uZw==";
    private static final String TABLE = "l7 frontend/web";
    private static final long POLL_NANOS = 200_000;
    /** The servers keys stick to: one string each, as a backend's server names are in Tandem (the config's). */
    private static final String[] SERVERS = {"s0", "s1"};

    private ClusterBench() {
    }

    public static void main(String[] args) throws Exception {
        switch (args.length == 0 ? "" : args[0]) {
            case "replication" -> replication(Integer.parseInt(args[1]), Integer.parseInt(args[2]),
                    Integer.parseInt(args[3]), Integer.parseInt(args[4]));
            case "transfer" -> transfer(Integer.parseInt(args[1]), Integer.parseInt(args[2]));
            default -> {
                System.err.println("usage: ClusterBench replication RATE SECONDS WARMUP BASE_PORT"
                        + " | transfer ENTRIES BASE_PORT");
                System.exit(2);
            }
        }
        System.exit(0); // JGroups' threads are not all daemons
    }

    private static StickTable table(int size) {
        return new StickTable("web", StickKeyType.IP, size, Duration.ofMinutes(30),
                StickSchema.of(Map.of(StickData.HTTP_REQ_RATE, Duration.ofSeconds(10))),
                () -> System.nanoTime() / 1_000_000);
    }

    private static ClusterNode node(String name, int port, int basePort, StickTable table) throws Exception {
        // FD_SOCK2 listens on port + 100: the two members' ports are 1 apart, well clear of it.
        HostPort a = new HostPort("127.0.0.1", basePort);
        HostPort b = new HostPort("127.0.0.1", basePort + 1);
        ClusterConfig config = new ClusterConfig("bench-pair", new HostPort("127.0.0.1", port), List.of(a, b), SECRET,
                EnumSet.of(ClusterConfig.Share.STICK_TABLES, ClusterConfig.Share.RATE_LIMITS), null);
        return ClusterNode.start(config, name, () -> Map.of(TABLE, table), new ConfigVersion("-", 0));
    }

    private static void awaitReady(ClusterNode node, long timeoutMillis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (!node.ready()) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("node not ready within " + timeoutMillis + " ms: " + node.status());
            }
            LockSupport.parkNanos(1_000_000);
        }
    }

    /** The i-th key: 10.0.0.0 onwards. */
    private static String key(int i) {
        return "10." + (i >>> 16 & 0xFF) + "." + (i >>> 8 & 0xFF) + "." + (i & 0xFF);
    }

    private static void replication(int rate, int seconds, int warmup, int basePort) throws Exception {
        int total = rate * (seconds + warmup);
        StickTable ta = table(total + 1);
        StickTable tb = table(total + 1);
        try (ClusterNode a = node("lb-a", basePort, basePort, ta)) {
            awaitReady(a, 30_000);
            try (ClusterNode b = node("lb-b", basePort + 1, basePort, tb)) {
                awaitReady(b, 30_000);
                while (a.status().members().size() < 2) {
                    LockSupport.parkNanos(1_000_000);
                }
                long[] written = new long[total];
                long[] delay = new long[total];
                Arrays.fill(delay, -1);
                AtomicLong count = new AtomicLong();
                Thread reader = new Thread(() -> read(tb, written, delay, count), "bench-reader");
                reader.start();
                long start = System.nanoTime();
                long interval = 1_000_000_000L / rate;
                for (int i = 0; i < total; i++) {
                    long due = start + i * interval;
                    long wait;
                    while ((wait = due - System.nanoTime()) > 0) {
                        LockSupport.parkNanos(wait);
                    }
                    written[i] = System.nanoTime();
                    count.lazySet(i + 1);
                    ta.stick(key(i), SERVERS[i & 1]);
                }
                double achieved = total / ((System.nanoTime() - start) / 1e9);
                reader.join(TimeUnit.SECONDS.toMillis(30));
                int from = rate * warmup;
                long[] measured = Arrays.stream(delay, from, total).filter(d -> d >= 0).sorted().toArray();
                long lost = (total - from) - measured.length;
                System.out.printf("replication_rate_target=%d%n", rate);
                System.out.printf("replication_rate_achieved=%.0f%n", achieved);
                System.out.printf("replication_updates=%d%n", measured.length);
                System.out.printf("replication_lost=%d%n", lost);
                System.out.printf("replication_p50_ms=%.2f%n", percentile(measured, 0.50));
                System.out.printf("replication_p99_ms=%.2f%n", percentile(measured, 0.99));
                System.out.printf("replication_max_ms=%.2f%n", percentile(measured, 1.0));
                System.out.printf("replication_dropped=%d%n", a.status().dropped());
            }
        }
    }

    /**
     * b's side: each key in write order, the time from its write on a to its entry on b (-1: never came). Polls
     * every 0.2 ms: fine enough against a 20 ms target, and few enough wake-ups to leave the cores to the nodes.
     */
    private static void read(StickTable tb, long[] written, long[] delay, AtomicLong count) {
        long giveUp = TimeUnit.SECONDS.toNanos(2);
        for (int i = 0; i < written.length; i++) {
            while (count.get() <= i) {
                LockSupport.parkNanos(POLL_NANOS);
            }
            String key = key(i);
            long since = System.nanoTime();
            while (tb.lookup(key) == null) {
                if (System.nanoTime() - since > giveUp) {
                    break; // dropped (queue full): the next ones still count
                }
                LockSupport.parkNanos(POLL_NANOS);
            }
            if (tb.lookup(key) != null) {
                delay[i] = System.nanoTime() - written[i];
            }
        }
    }

    private static double percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return -1;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)] / 1e6;
    }

    private static void transfer(int entries, int basePort) throws Exception {
        StickTable ta = table(entries);
        StickTable tb = table(entries);
        long empty = heapAfterGc();
        for (int i = 0; i < entries; i++) {
            ta.count(ta.stick(key(i), SERVERS[i & 1]), StickEvent.HTTP_REQUEST);
        }
        long filled = heapAfterGc();
        long readyMillis;
        ClusterStatus.StateTransfer transfer;
        try (ClusterNode a = node("lb-a", basePort, basePort, ta)) {
            awaitReady(a, 30_000);
            long start = System.nanoTime();
            try (ClusterNode b = node("lb-b", basePort + 1, basePort, tb)) {
                awaitReady(b, 120_000);
                readyMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                transfer = b.status().lastStateTransfer();
            }
        }
        // Measured with both nodes closed: the replicated table alone, not what JGroups still buffers.
        long replicated = heapAfterGc();
        if (tb.size() != entries || ta.size() != entries) {
            throw new IllegalStateException("a holds " + ta.size() + ", b " + tb.size() + " of " + entries + " entries");
        }
        System.out.printf("transfer_entries=%d%n", entries);
        System.out.printf("transfer_ready_ms=%d%n", readyMillis);
        System.out.printf("transfer_apply_ms=%d%n", transfer == null ? -1 : transfer.millis());
        System.out.printf("memory_origin_bytes_per_entry=%.0f%n", (filled - empty) / (double) entries);
        System.out.printf("memory_replica_bytes_per_entry=%.0f%n", (replicated - filled) / (double) entries);
    }

    private static long heapAfterGc() throws InterruptedException {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 4; i++) {
            System.gc();
            Thread.sleep(200);
            used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
