package io.tandem.core.metrics;

/**
 * A metric kept in a range of {@link Cells}: cells of its own, or a range of its owner's beside the owner's
 * counters, so that one block per thread holds them all. Each sample goes to the calling thread's block.
 */
public abstract class CellMetric {
    final Cells cells;
    final int base;

    /** A metric in {@code cells} from {@code base} on. */
    CellMetric(Cells cells, int base) {
        this.cells = cells;
        this.base = base;
    }

    /** Counts one sample of {@code value}, in the metric's unit (negative values count as 0). */
    public final void record(long value) {
        record(cells.mine(), value);
    }

    /** Counts one sample in {@code block}, the calling thread's block of this metric's cells. */
    abstract void record(long[] block, long value);
}
