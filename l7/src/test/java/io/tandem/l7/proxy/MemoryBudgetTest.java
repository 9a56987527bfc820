package io.tandem.l7.proxy;

import io.netty.util.ResourceLeakDetector;
import io.tandem.core.config.GlobalConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Regression guard for the memory budget (docs/performance.md): bytes the event loop allocates per proxied
 * keep-alive request, and live heap per idle keep-alive connection. Both are counted, not timed (the JVM's
 * per-thread allocation counters and heap used after a full GC), so a busy machine does not change them; the
 * bounds are about twice the figures recorded in docs/benchmarks.md.
 */
class MemoryBudgetTest {

    /**
     * About twice this test's own figures (656 B per request, 2026-12-04; 2 245 B per idle connection, 2026-12-04;
     * OpenJDK 17);
     * docs/benchmarks.md, "Memory (bench/alloc.sh)", records them. Each run prints its figure.
     */
    private static final long MAX_BYTES_PER_REQUEST = 1_300;
    private static final long MAX_HEAP_PER_IDLE_CONNECTION = 4_500;

    private static final String CONFIG = """
            global: { workers: 1 }
            defaults:
              timeout: { connect: 5s, client: 60s, server: 30s, http-request: 10s, http-keep-alive: 60s }
            l7:
              frontends:
                web:
                  bind: 127.0.0.1:${PORT}
                  acl:
                    is_api: path_beg /api/
                  use-backend:
                    - api if is_api
                  default-backend: pool
              backends:
                pool:
                  balance: roundrobin
                  servers:
                    s1: ${APP}
                    s2: ${APP}
                api:
                  servers:
                    a1: ${APP}
            """;

    private static final String GET = "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n";

    private static ResourceLeakDetector.Level testLevel;

    /** Tests run with the leak detector at paranoid, which records a trace per buffer; production runs without. */
    @BeforeAll
    static void leakDetectionOffAsInProduction() {
        testLevel = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
    }

    @AfterAll
    static void leakDetectionBack() {
        ResourceLeakDetector.setLevel(testLevel);
    }

    @Test
    void keepAliveRequestAllocatesWithinBudget() throws Exception {
        // The access log the daemon writes through (AsyncAccessLog drains this buffer on a thread of its own).
        AccessLogBuffer accessLog = new AccessLogBuffer(GlobalConfig.LogFormat.HTTPLOG, 1 << 20,
                Duration.ofSeconds(1));
        try (ScriptedBackend backend = new ScriptedBackend(ScriptedBackend::ok);
             ProxyHarness proxy = ProxyHarness.start(CONFIG, Map.of("APP", backend.address()), accessLog);
             Socket client = proxy.connect()) {
            // Warm-up: the JIT compiles the path (escape analysis removes allocations only in compiled code).
            int warmUp = 20_000;
            long lines = requests(accessLog, client, warmUp);
            long before = loopAllocatedBytes();
            int measured = 10_000;
            lines += requests(accessLog, client, measured);
            long perRequest = (loopAllocatedBytes() - before) / measured;
            assertEquals(warmUp + measured, lines + drainLines(accessLog), "one access line per request");
            System.out.println("MemoryBudgetTest: event loop allocated " + perRequest + " B per keep-alive request");
            assertTrue(perRequest <= MAX_BYTES_PER_REQUEST,
                    perRequest + " B allocated per request, budget " + MAX_BYTES_PER_REQUEST);
        }
    }

    @Test
    void idleKeepAliveConnectionHoldsLittleHeap() throws Exception {
        try (ScriptedBackend backend = new ScriptedBackend(ScriptedBackend::ok);
             ProxyHarness proxy = ProxyHarness.start(CONFIG, Map.of("APP", backend.address()))) {
            int idle = 1000;
            // A first round opens and closes connections, so lazily built state is there before the base is read.
            release(holdIdle(proxy, 50));
            proxy.accessLog.clear();
            long base = heapUsedAfterGc();
            Process clients = holdIdle(proxy, idle);
            try {
                proxy.accessLog.clear();
                long perConnection = (heapUsedAfterGc() - base) / idle;
                System.out.println("MemoryBudgetTest: " + perConnection + " B of heap per idle keep-alive connection");
                assertTrue(perConnection <= MAX_HEAP_PER_IDLE_CONNECTION,
                        perConnection + " B of heap per idle connection, budget " + MAX_HEAP_PER_IDLE_CONNECTION);
            } finally {
                release(clients);
            }
        }
    }

    private static void release(Process clients) throws Exception {
        clients.getOutputStream().close();
        assertTrue(clients.waitFor(60, TimeUnit.SECONDS), "idle clients did not exit");
    }

    /** Sends {@code count} requests one after another; returns the access lines drained meanwhile. */
    private static long requests(AccessLogBuffer accessLog, Socket client, int count) throws IOException {
        InputStream in = client.getInputStream();
        long lines = 0;
        for (int i = 0; i < count; i++) {
            ProxyHarness.send(client, GET);
            assertEquals(200, RawResponse.read(in).status());
            if (i % 1000 == 0) {
                lines += drainLines(accessLog);
            }
        }
        return lines;
    }

    private static long drainLines(AccessLogBuffer accessLog) throws IOException {
        long[] lines = new long[1];
        accessLog.drain((bytes, length) -> {
            for (int i = 0; i < length; i++) {
                lines[0] += bytes[i] == '\n' ? 1 : 0;
            }
        });
        return lines[0];
    }

    /** Bytes allocated so far by the event-loop threads (tandem-io-*), from the JVM's TLAB accounting. */
    private static long loopAllocatedBytes() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long total = 0;
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (thread.getName().startsWith("tandem-io-")) {
                total += threads.getThreadAllocatedBytes(thread.getId());
            }
        }
        return total;
    }

    private static long heapUsedAfterGc() {
        long used = Long.MAX_VALUE;
        // The smallest of a few full collections: a collection can leave a young object a moment older than the rest.
        for (int i = 0; i < 3; i++) {
            System.gc();
            used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
    }

    /** Starts {@link IdleClients} with {@code count} connections in a JVM of its own and waits until all are open. */
    private static Process holdIdle(ProxyHarness proxy, int count) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(java, "-Xmx64m", "-cp", System.getProperty("java.class.path"),
                IdleClients.class.getName(), String.valueOf(proxy.port), String.valueOf(count))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        assertEquals("ready " + count, line, "idle clients did not open their connections");
        return process;
    }
}
