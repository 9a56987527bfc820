package io.tandem.core.metrics;

import org.junit.jupiter.api.Test;

import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Counters written by several event loops at once, each in its own cells, lose no count. */
class CountingThreadsTest {
    private static final int PER_THREAD = 200_000;

    @Test
    void loopsCountingTheSameCountersAtOnceAddUpExactly() throws Exception {
        HttpCounters counters = new HttpCounters();
        CyclicBarrier together = new CyclicBarrier(4);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread[] loops = new Thread[4];
        for (int t = 0; t < loops.length; t++) {
            loops[t] = CountingThreads.factory("counting-test", true).newThread(() -> {
                try {
                    together.await();
                    for (int i = 0; i < PER_THREAD; i++) {
                        counters.request(i % 2 == 0 ? 200 : 404, 1_000, HttpCounters.Outcome.DONE, 1, 2);
                        counters.upstream(i % 4 == 0);
                    }
                } catch (Exception e) {
                    failure.set(e);
                }
            });
            loops[t].start();
        }
        for (Thread loop : loops) {
            loop.join();
        }
        assertNull(failure.get());
        long all = 4L * PER_THREAD;
        assertEquals(all, counters.requests());
        assertEquals(all / 2, counters.responses(1));
        assertEquals(all / 2, counters.responses(3));
        assertEquals(all, counters.bytesIn());
        assertEquals(2 * all, counters.bytesOut());
        assertEquals(all / 4, counters.reuses());
        assertEquals(all - all / 4, counters.connects());
        assertEquals(all, counters.totalTime().snapshot().count());
    }

    @Test
    void aLoopThatEndsLeavesItsCountsToTheLoopsAfterIt() throws Exception {
        TrafficCounters counters = new TrafficCounters();
        for (int round = 1; round <= 3; round++) {
            Thread loop = CountingThreads.factory("counting-test", true).newThread(() -> {
                for (int i = 0; i < 10; i++) {
                    counters.balancedOnce();
                }
                counters.opened();
            });
            loop.start();
            loop.join();
            assertEquals(10L * round, counters.balanced(), "after " + round + " loop(s) one after another");
            assertEquals(round, counters.activeConnections());
        }
        counters.closed(); // a thread that is no event loop counts too
        assertEquals(2, counters.activeConnections());
        assertEquals(3, counters.maxActiveConnections());
    }
}
