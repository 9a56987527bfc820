package io.tandem.core.stick;

/**
 * HAProxy's {@code freq_ctr_period}: events over a sliding period approximated with two buckets, the period in
 * progress and the one before it. The rate is {@code current + previous × (time left in the current period /
 * period)}: the previous period's events fade out linearly as the current one advances. Not thread-safe: the
 * owning {@link StickEntry} guards it.
 */
final class RateCounter {
    private final long period;
    private long start;
    private long current;
    private long previous;

    RateCounter(long periodMillis, long now) {
        this.period = Math.max(1, periodMillis);
        this.start = now;
    }

    long period() {
        return period;
    }

    void add(long now, long count) {
        rotate(now);
        current += count;
    }

    long rate(long now) {
        long elapsed = now - start;
        long cur = current;
        long prev = previous;
        long periodStart = start;
        if (elapsed >= period) {
            prev = elapsed < 2 * period ? current : 0;
            cur = 0;
            periodStart = start + elapsed / period * period;
        }
        long remaining = periodStart + period - now;
        return cur + multiplyFraction(prev, remaining, period);
    }

    /** The state as another node applies it: counts, and how far into its period the current bucket is. */
    long current(long now) {
        rotate(now);
        return current;
    }

    long previous(long now) {
        rotate(now);
        return previous;
    }

    long age(long now) {
        rotate(now);
        return now - start;
    }

    /** Replaces the state with a peer's ({@link StickTable#apply}). */
    void set(long now, long current, long previous, long age) {
        this.current = Math.max(0, current);
        this.previous = Math.max(0, previous);
        this.start = now - Math.max(0, Math.min(age, period - 1));
    }

    private void rotate(long now) {
        long elapsed = now - start;
        if (elapsed < period) {
            if (elapsed < 0) {
                start = now; // a clock that went back (a peer's age) never makes a period longer
            }
            return;
        }
        previous = elapsed < 2 * period ? current : 0;
        current = 0;
        start += elapsed / period * period;
    }

    private static long multiplyFraction(long value, long numerator, long denominator) {
        if (value == 0 || numerator <= 0) {
            return 0;
        }
        try {
            return Math.multiplyExact(value, numerator) / denominator;
        } catch (ArithmeticException overflow) {
            return (long) ((double) value * numerator / denominator);
        }
    }
}
