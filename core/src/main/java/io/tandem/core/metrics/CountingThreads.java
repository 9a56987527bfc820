package io.tandem.core.metrics;

import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.FastThreadLocalThread;

import java.util.BitSet;
import java.util.concurrent.ThreadFactory;

/**
 * Gives every thread that counts a slot of its own: the index of its cells in every counter ({@link Cells}), so a
 * counter has one writer per cell block and needs no atomic instruction. Event-loop threads made by
 * {@link #factory} hold a slot while they run and give it back when they end; any other thread that counts (a
 * test, a tool) takes one on first use and keeps it.
 */
public final class CountingThreads {
    private static final BitSet TAKEN = new BitSet();
    private static final ThreadLocal<Integer> OTHER = ThreadLocal.withInitial(CountingThreads::acquire);

    private CountingThreads() {
    }

    /** Netty's thread factory ({@link FastThreadLocalThread}s named {@code prefix-N-M}) whose threads hold slots. */
    public static ThreadFactory factory(String prefix, boolean daemon) {
        return new DefaultThreadFactory(prefix, daemon) {
            @Override
            protected Thread newThread(Runnable task, String name) {
                return new SlotThread(threadGroup, task, name);
            }
        };
    }

    /** The calling thread's slot. */
    static int current() {
        return Thread.currentThread() instanceof SlotThread thread ? thread.slot : OTHER.get();
    }

    /**
     * The lowest free slot. Taking and giving back under one lock orders the writes of a slot's last owner before
     * those of its next (the lock's happens-before), so the next owner adds to the values its predecessor left.
     */
    private static synchronized int acquire() {
        int slot = TAKEN.nextClearBit(0);
        TAKEN.set(slot);
        return slot;
    }

    private static synchronized void release(int slot) {
        TAKEN.clear(slot);
    }

    /** An event-loop thread with its slot, taken on the thread itself when it starts. */
    private static final class SlotThread extends FastThreadLocalThread {
        private int slot;

        SlotThread(ThreadGroup group, Runnable task, String name) {
            super(group, task, name);
        }

        @Override
        public void run() {
            slot = acquire();
            try {
                super.run();
            } finally {
                release(slot);
            }
        }
    }
}
