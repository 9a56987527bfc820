package io.tandem.core.metrics;

import org.junit.jupiter.api.Test;

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
}
