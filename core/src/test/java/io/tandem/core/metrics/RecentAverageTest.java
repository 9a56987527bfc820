package io.tandem.core.metrics;

import org.junit.jupiter.api.Test;

import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** HAProxy's sliding-window averages: exact until the window is full, then recent samples weigh in. */
class RecentAverageTest {

    @Test
    void theAverageIsExactUntilTheWindowIsFullThenFollowsRecentSamples() {
        RecentAverage time = new RecentAverage();
        assertEquals(0, time.average(), "no sample yet");
        time.record(10);
        time.record(30);
        assertEquals(20, time.average());
        for (int i = 2; i < RecentAverage.WINDOW; i++) {
            time.record(20);
        }
        assertEquals(20, time.average(), "a full window of 20s");
        for (int i = 0; i < 10 * RecentAverage.WINDOW; i++) {
            time.record(100);
        }
        assertEquals(100, time.average(), 1, "ten windows later the old samples have faded out");
        assertEquals(100, time.max());
        time.record(-5);
        assertEquals(100, time.max(), "a negative sample counts as 0, and never lowers the maximum");
    }

    @Test
    void theAverageOfSeveralLoopsHoldsEachLoopsRecentSamples() throws Exception {
        RecentAverage time = new RecentAverage();
        // Both loops stay alive until both have counted, so each holds a slot (cells) of its own.
        CyclicBarrier bothCounted = new CyclicBarrier(2);
        Thread[] loops = new Thread[2];
        long[] values = {10, 30};
        for (int t = 0; t < loops.length; t++) {
            long value = values[t];
            loops[t] = CountingThreads.factory("average-test", true).newThread(() -> {
                for (int i = 0; i < 3 * RecentAverage.WINDOW; i++) {
                    time.record(value);
                }
                await(bothCounted);
            });
            loops[t].start();
        }
        for (Thread loop : loops) {
            loop.join();
        }
        assertEquals(20, time.average(), 1, "a full window of 10s on one loop and of 30s on another");
        assertEquals(30, time.max());
    }

    private static void await(CyclicBarrier barrier) {
        try {
            barrier.await(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
