package io.tandem.core.metrics;

/**
 * A duration's recent average and its maximum since start, as HAProxy keeps its {@code qtime}/{@code ctime}/
 * {@code rtime}/{@code ttime} (its sliding-window average, {@code swrate}): each counting thread keeps the exact
 * mean of its samples until it has {@value #WINDOW}, then each sample replaces a window's share of its sum; the
 * average read is that of every thread's window together. With one event loop that is HAProxy's figure; with
 * several, the last {@value #WINDOW} samples of each. No atomics and nothing allocated per sample ({@link Cells}).
 */
public final class RecentAverage extends CellMetric {
    /** HAProxy's {@code TIME_STATS_SAMPLES}. */
    public static final int WINDOW = 512;
    /** The cells one average takes: samples, their windowed sum, the maximum. */
    static final int CELLS = 3;
    private static final int SAMPLES = 0;
    private static final int SUM = 1;
    private static final int MAX = 2;

    /** An average with cells of its own. */
    public RecentAverage() {
        this(new Cells(CELLS), 0);
    }

    /** An average in {@code cells} from {@code base} on ({@link #CELLS} of them), beside its owner's counters. */
    RecentAverage(Cells cells, int base) {
        super(cells, base);
    }

    @Override
    void record(long[] block, long millis) {
        long value = Math.max(0, millis);
        long samples = Cells.get(block, base + SAMPLES) + 1;
        long sum = Cells.get(block, base + SUM);
        // A reader may see the new sum with the old count or the reverse (Cells orders no two cells): its mean is
        // off by one sample's share, for that reading only.
        Cells.set(block, base + SUM, samples <= WINDOW ? sum + value : sum - sum / WINDOW + value);
        Cells.set(block, base + SAMPLES, samples);
        Cells.raise(block, base + MAX, value);
    }

    /** The average of the recent samples, in milliseconds; 0 before the first. */
    public long average() {
        long samples = 0;
        long sum = 0;
        for (long[] block : cells.blocks()) {
            if (block != null) {
                samples += Math.min(Cells.get(block, base + SAMPLES), WINDOW);
                sum += Cells.get(block, base + SUM);
            }
        }
        return samples == 0 ? 0 : sum / samples;
    }

    /** The largest sample since start, in milliseconds. */
    public long max() {
        return cells.max(base + MAX);
    }
}
