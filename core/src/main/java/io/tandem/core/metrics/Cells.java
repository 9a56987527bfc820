package io.tandem.core.metrics;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * The cells of one counters object: {@code size} longs per counting thread ({@link CountingThreads}), each block
 * written by its thread alone and summed (or maxed) over the blocks when read. Nothing is allocated per count: a
 * thread's block is made the first time it counts here.
 *
 * <p>Why plain arithmetic with opaque stores and loads, not atomics: a block has one writer, so its read-modify-write
 * needs no lock prefix (the LongAdder or AtomicLong this replaces paid one per count, and a cache-line transfer when
 * two event loops counted on the same line). The writer reads its own cell plainly (it always sees its own last
 * write) and stores with {@code setOpaque}; readers on another thread load with {@code getOpaque}. Opaque access
 * promises what readers need and nothing more: a long is never seen torn (plain long fields may tear, JLS 17.7),
 * each cell's values are seen in the order written (a counter never goes back), and a store becomes visible
 * without a fence. It orders nothing between cells, so a reading may hold one cell's newer value and another's
 * older one (requests counted, its status class not yet): the same "consistent enough" as the adders before, each
 * figure exact once the counting thread moved on. On x86 and ARM opaque stores and loads are plain moves.
 */
final class Cells {
    private static final VarHandle CELL = MethodHandles.arrayElementVarHandle(long[].class);
    /** Longs before and after a block's cells, so blocks of two threads never share a cache line (nor its pair). */
    private static final int PAD = 8;
    private static final long[][] NONE = new long[0][];

    private final int size;
    /** Indexed by slot; null where that slot's thread never counted here. Replaced whole when a block is added. */
    private volatile long[][] blocks = NONE;

    Cells(int size) {
        this.size = size;
    }

    /** The calling thread's block, to pass to {@link #add} and {@link #raise}; made on its first count. */
    long[] mine() {
        int slot = CountingThreads.current();
        long[][] all = blocks;
        long[] block = slot < all.length ? all[slot] : null;
        return block != null ? block : addBlock(slot);
    }

    private synchronized long[] addBlock(int slot) {
        long[][] all = Arrays.copyOf(blocks, Math.max(blocks.length, slot + 1));
        if (all[slot] == null) {
            all[slot] = new long[PAD + size + PAD];
        }
        blocks = all;
        return all[slot];
    }

    /** Adds {@code n} to {@code cell} of {@code block}, the calling thread's. */
    static void add(long[] block, int cell, long n) {
        CELL.setOpaque(block, PAD + cell, block[PAD + cell] + n);
    }

    /** Raises {@code cell} of {@code block}, the calling thread's, to {@code value} if it is lower. */
    static void raise(long[] block, int cell, long value) {
        if (value > block[PAD + cell]) {
            CELL.setOpaque(block, PAD + cell, value);
        }
    }

    /** Sets {@code cell} of {@code block}, the calling thread's. */
    static void set(long[] block, int cell, long value) {
        CELL.setOpaque(block, PAD + cell, value);
    }

    /** {@code cell} of {@code block} as written by its thread, read from any thread. */
    static long get(long[] block, int cell) {
        return (long) CELL.getOpaque(block, PAD + cell);
    }

    /** The blocks to read, for readings that combine cells block by block; null entries are to be skipped. */
    long[][] blocks() {
        return blocks;
    }

    /** {@code cell} summed over every thread's block. */
    long sum(int cell) {
        long total = 0;
        for (long[] block : blocks) {
            if (block != null) {
                total += get(block, cell);
            }
        }
        return total;
    }

    /** The highest value of {@code cell} in any thread's block. */
    long max(int cell) {
        long highest = 0;
        for (long[] block : blocks) {
            if (block != null) {
                highest = Math.max(highest, get(block, cell));
            }
        }
        return highest;
    }
}
