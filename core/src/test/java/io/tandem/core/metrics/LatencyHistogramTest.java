package io.tandem.core.metrics;

import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LatencyHistogramTest {

    @Test
    void observationsLandInTheFirstBucketWhoseBoundHoldsThem() {
        LatencyHistogram histogram = new LatencyHistogram();
        histogram.record(TimeUnit.MICROSECONDS.toNanos(500));   // <= 1ms
        histogram.record(TimeUnit.MILLISECONDS.toNanos(1));     // exactly 1ms: still the first bucket
        histogram.record(TimeUnit.MILLISECONDS.toNanos(3));     // <= 5ms
        histogram.record(TimeUnit.SECONDS.toNanos(60));         // +Inf
        LatencyHistogram.Snapshot s = histogram.snapshot();
        assertEquals(4, s.count());
        assertEquals(2, s.counts()[0]);
        assertEquals(1, s.counts()[2]);
        assertEquals(1, s.counts()[s.counts().length - 1]);
        assertEquals(3, s.cumulative(2));
        assertEquals(TimeUnit.MICROSECONDS.toNanos(500) + TimeUnit.MILLISECONDS.toNanos(4)
                + TimeUnit.SECONDS.toNanos(60), s.sumNanos());
    }

    @Test
    void quantileInterpolatesInsideItsBucket() {
        LatencyHistogram histogram = new LatencyHistogram();
        for (int i = 0; i < 100; i++) {
            histogram.record(TimeUnit.MILLISECONDS.toNanos(7)); // all in (5ms, 10ms]
        }
        assertEquals(0.0075, histogram.snapshot().quantileSeconds(0.5), 1e-9);
        assertEquals(0, new LatencyHistogram().snapshot().quantileSeconds(0.99));
    }

    @Test
    void responsesAreCountedByClassWithOthersApartAndTunnelsUntimed() {
        HttpCounters counters = new HttpCounters();
        counters.request(200, 1, HttpCounters.Outcome.DONE, 0, 0);
        counters.request(404, 1, HttpCounters.Outcome.DONE, 0, 0);
        counters.request(503, 1, HttpCounters.Outcome.DONE, 0, 0);
        counters.request(-1, 1, HttpCounters.Outcome.CLIENT_ABORT, 0, 0);
        counters.request(101, 1, HttpCounters.Outcome.DONE, 0, 0);
        assertEquals(5, counters.requests());
        assertEquals(1, counters.responses(0));
        assertEquals(1, counters.responses(1));
        assertEquals(0, counters.responses(2));
        assertEquals(1, counters.responses(3));
        assertEquals(1, counters.responses(4));
        assertEquals(1, counters.responses(5));
        assertEquals(4, counters.totalTime().snapshot().count(), "a tunnel (101) is not timed");
    }
}
