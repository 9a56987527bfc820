package io.tandem.core.metrics;

/**
 * Request durations in fixed buckets (1 ms to 10 s, then +Inf), Prometheus-style: {@link #record} finds the bucket
 * with a scan over a constant array and adds one to its cell in the calling thread's block ({@link Cells}); no
 * atomics, nothing allocated per request. {@link #snapshot} sums the buckets over the threads and derives the count
 * from them, so a scrape never shows a count that disagrees with its buckets.
 */
public final class LatencyHistogram extends CellMetric {
    /** Upper bounds of the finite buckets, in seconds (as the exposition writes them). */
    private static final double[] BOUNDS_SECONDS = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
            2.5, 5, 10};
    private static final long[] BOUNDS_NANOS = new long[BOUNDS_SECONDS.length];

    static {
        for (int i = 0; i < BOUNDS_SECONDS.length; i++) {
            BOUNDS_NANOS[i] = Math.round(BOUNDS_SECONDS[i] * 1e9);
        }
    }

    /** The cells one histogram takes: one per finite bucket, the +Inf bucket (not cumulative), the sum. */
    static final int CELLS = BOUNDS_NANOS.length + 2;
    private static final int BUCKETS = BOUNDS_NANOS.length + 1;
    private static final int SUM = BUCKETS;

    /** A histogram with cells of its own. */
    public LatencyHistogram() {
        this(new Cells(CELLS), 0);
    }

    /** A histogram in {@code cells} from {@code base} on ({@link #CELLS} of them), beside its owner's counters. */
    LatencyHistogram(Cells cells, int base) {
        super(cells, base);
    }

    /** The finite upper bounds, in seconds, in increasing order; a copy. */
    public static double[] boundsSeconds() {
        return BOUNDS_SECONDS.clone();
    }

    @Override
    void record(long[] block, long nanos) {
        long value = Math.max(0, nanos);
        int i = 0;
        while (i < BOUNDS_NANOS.length && value > BOUNDS_NANOS[i]) {
            i++;
        }
        Cells.add(block, base + i, 1);
        Cells.add(block, base + SUM, value);
    }

    /** The buckets as they are now. */
    public Snapshot snapshot() {
        long[] counts = new long[BUCKETS];
        long count = 0;
        for (int i = 0; i < counts.length; i++) {
            counts[i] = cells.sum(base + i);
            count += counts[i];
        }
        return new Snapshot(counts, count, cells.sum(base + SUM));
    }

    /**
     * One reading: {@code counts[i]} observations in bucket i (not cumulative; the last is +Inf), {@code count}
     * their total, {@code sumNanos} the sum of what was observed.
     */
    public record Snapshot(long[] counts, long count, long sumNanos) {

        /** Observations at or below the finite bound {@code i}, plus all before it: Prometheus's {@code le} count. */
        public long cumulative(int i) {
            long total = 0;
            for (int j = 0; j <= i; j++) {
                total += counts[j];
            }
            return total;
        }

        /**
         * The {@code q} quantile (0..1) estimated from the buckets, in seconds, interpolating inside the bucket as
         * Prometheus's {@code histogram_quantile} does; 0 without observations, the last finite bound beyond it.
         */
        public double quantileSeconds(double q) {
            if (count == 0) {
                return 0;
            }
            double rank = q * count;
            long seen = 0;
            for (int i = 0; i < counts.length; i++) {
                if (seen + counts[i] >= rank && counts[i] > 0) {
                    if (i == BOUNDS_SECONDS.length) {
                        return BOUNDS_SECONDS[i - 1];
                    }
                    double lower = i == 0 ? 0 : BOUNDS_SECONDS[i - 1];
                    return lower + (BOUNDS_SECONDS[i] - lower) * (rank - seen) / counts[i];
                }
                seen += counts[i];
            }
            return BOUNDS_SECONDS[BOUNDS_SECONDS.length - 1];
        }
    }
}
