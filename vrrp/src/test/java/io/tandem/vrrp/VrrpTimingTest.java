package io.tandem.vrrp;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Skew_Time and Master_Down_Interval as RFC 5798 §6.1 (centiseconds) and RFC 3768 §6.1 (seconds) define them. */
class VrrpTimingTest {
    private static final long MS = 1_000_000L;

    @Test
    void v3SkewIsWholeCentisecondsOfTheMasterInterval() {
        // ((256 - p) * 100cs) / 256: 255*100/256 = 99.6 -> 99cs, 156*100/256 = 60.9 -> 60cs, 2*100/256 -> 0cs
        assertEquals(990 * MS, VrrpTiming.skewNanos(3, 1, 100));
        assertEquals(600 * MS, VrrpTiming.skewNanos(3, 100, 100));
        assertEquals(0, VrrpTiming.skewNanos(3, 254, 100));
        // at 100ms (10cs): 2550/256 -> 9cs, 1560/256 -> 6cs, 20/256 -> 0cs
        assertEquals(90 * MS, VrrpTiming.skewNanos(3, 1, 10));
        assertEquals(60 * MS, VrrpTiming.skewNanos(3, 100, 10));
        assertEquals(0, VrrpTiming.skewNanos(3, 254, 10));
    }

    @Test
    void v3MasterDownIsThreeIntervalsPlusSkew() {
        assertEquals(3_990 * MS, VrrpTiming.masterDownNanos(3, 1, 100));
        assertEquals(3_600 * MS, VrrpTiming.masterDownNanos(3, 100, 100));
        assertEquals(3_000 * MS, VrrpTiming.masterDownNanos(3, 254, 100));
        assertEquals(390 * MS, VrrpTiming.masterDownNanos(3, 1, 10));
        assertEquals(360 * MS, VrrpTiming.masterDownNanos(3, 100, 10));
        assertEquals(300 * MS, VrrpTiming.masterDownNanos(3, 254, 10));
    }

    @Test
    void v2SkewIsAFractionOfASecondWhateverTheInterval() {
        // (256 - p) / 256 seconds, exact in nanoseconds (10^9 is a multiple of 256)
        assertEquals(996_093_750L, VrrpTiming.skewNanos(2, 1, 100));
        assertEquals(609_375_000L, VrrpTiming.skewNanos(2, 100, 100));
        assertEquals(7_812_500L, VrrpTiming.skewNanos(2, 254, 100));
        assertEquals(609_375_000L, VrrpTiming.skewNanos(2, 100, 300));
        assertEquals(3_609_375_000L, VrrpTiming.masterDownNanos(2, 100, 100));
        assertEquals(9_609_375_000L, VrrpTiming.masterDownNanos(2, 100, 300));
        assertEquals(3_007_812_500L, VrrpTiming.masterDownNanos(2, 254, 100));
    }

    @Test
    void intervalsConvertOnlyWhenTheVersionCanCarryThem() {
        assertEquals(10, VrrpTiming.toCentis(3, Duration.ofMillis(100)));
        assertEquals(4095, VrrpTiming.toCentis(3, Duration.ofMillis(40950)));
        assertEquals(300, VrrpTiming.toCentis(2, Duration.ofSeconds(3)));
        assertThrows(IllegalArgumentException.class, () -> VrrpTiming.toCentis(3, Duration.ofMillis(15)));
        assertThrows(IllegalArgumentException.class, () -> VrrpTiming.toCentis(3, Duration.ofSeconds(41)));
        assertThrows(IllegalArgumentException.class, () -> VrrpTiming.toCentis(2, Duration.ofMillis(1500)));
        assertThrows(IllegalArgumentException.class, () -> VrrpTiming.toCentis(2, Duration.ofSeconds(256)));
    }
}
