package io.tandem.core.metrics;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A duration's average over the last {@value #WINDOW} samples, and its maximum since start, as HAProxy keeps its
 * {@code qtime}/{@code ctime}/{@code rtime}/{@code ttime} (its sliding-window average, {@code swrate}): the exact
 * mean until the window is full, then each sample replaces a window's share of the sum. Written by every event loop
 * with atomics only; nothing is allocated per sample.
 */
public final class RecentAverage {
    /** HAProxy's {@code TIME_STATS_SAMPLES}. */
    public static final int WINDOW = 512;

    private final AtomicLong samples = new AtomicLong();
    private final AtomicLong sum = new AtomicLong();
    private final AtomicLong max = new AtomicLong();

    /** Counts one sample of {@code millis} (negative values count as 0). */
    public void record(long millis) {
        long value = Math.max(0, millis);
        if (samples.incrementAndGet() <= WINDOW) {
            sum.addAndGet(value);
        } else {
            long old;
            do {
                old = sum.get();
            } while (!sum.compareAndSet(old, old - old / WINDOW + value));
        }
        long highest;
        while (value > (highest = max.get()) && !max.compareAndSet(highest, value)) {
            // another loop raised it meanwhile: compare again
        }
    }

    /** The average of the recent samples, in milliseconds; 0 before the first. */
    public long average() {
        long n = Math.min(samples.get(), WINDOW);
        return n == 0 ? 0 : sum.get() / n;
    }

    /** The largest sample since start, in milliseconds. */
    public long max() {
        return max.get();
    }
}
