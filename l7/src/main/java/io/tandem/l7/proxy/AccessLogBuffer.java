package io.tandem.l7.proxy;

import io.netty.util.concurrent.FastThreadLocal;
import io.tandem.core.config.GlobalConfig;

import java.io.IOException;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Access-log lines held as UTF-8 bytes for a writer thread. Each thread that logs (an event loop) appends to a
 * buffer of its own, under that buffer's lock, which only the writer also takes, briefly, to swap the buffer for
 * an empty one: a line costs a copy of its chars, not a String and a queue node each. A line that does not fit in
 * its thread's buffer (the writer has fallen behind by {@code maxBytes}) is dropped and counted: the proxy never
 * waits for its log.
 */
public final class AccessLogBuffer implements AccessLog {
    /** A thread's first buffer; it doubles up to the limit when lines come faster than the writer drains. */
    private static final int FIRST_BYTES = 16 * 1024;

    private final GlobalConfig.LogFormat format;
    private final int maxBytes;
    /** How long a buffer must have been less than a quarter full, drain after drain, before it is halved. */
    private final long shrinkAfterNanos;
    private final Queue<Lines> threads = new ConcurrentLinkedQueue<>();
    private final FastThreadLocal<Lines> own = new FastThreadLocal<>() {
        @Override
        protected Lines initialValue() {
            Lines lines = new Lines();
            threads.add(lines);
            return lines;
        }
    };
    private final AtomicLong dropped = new AtomicLong();

    /** Where drained lines go: whole lines, each ending with {@code '\n'}. */
    public interface Sink {
        void write(byte[] lines, int length) throws IOException;
    }

    /**
     * Lines in {@code format}, at most {@code maxBytes} waiting per logging thread; a buffer a burst grew is halved
     * once it has been less than a quarter full for {@code shrinkAfter} (not sooner: under load the writer drains
     * often, each batch is small, and a buffer halved too eagerly would be grown again by the event loop).
     */
    public AccessLogBuffer(GlobalConfig.LogFormat format, int maxBytes, Duration shrinkAfter) {
        this.format = format;
        this.maxBytes = Math.max(FIRST_BYTES, maxBytes);
        this.shrinkAfterNanos = shrinkAfter.toNanos();
    }

    @Override
    public GlobalConfig.LogFormat format() {
        return format;
    }

    /** Copies {@code line} and a line feed into the calling thread's buffer, or drops it when that is full. */
    @Override
    public void log(CharSequence line) {
        Lines lines = own.get();
        boolean kept;
        synchronized (lines) {
            kept = lines.append(line, maxBytes);
        }
        if (!kept) {
            dropped.incrementAndGet();
        }
    }

    /** Bytes of buffers held for lines, over all threads, whether filled or not. */
    long heldBytes() {
        long held = 0;
        for (Lines lines : threads) {
            synchronized (lines) {
                held += lines.held();
            }
        }
        return held;
    }

    /** Lines dropped so far because their thread's buffer was full. */
    public long dropped() {
        return dropped.get();
    }

    /**
     * Hands what every thread has logged to {@code sink}, one call per thread with lines waiting; the writer's
     * thread only (the buffers it takes are given back after the sink is done with them). Returns the bytes.
     */
    public long drain(Sink sink) throws IOException {
        long total = 0;
        for (Lines lines : threads) {
            byte[] taken;
            int length;
            synchronized (lines) {
                length = lines.filled;
                if (length == 0) {
                    continue;
                }
                taken = lines.swap();
            }
            try {
                sink.write(taken, length);
            } finally {
                byte[] back = lines.fitted(taken, length, System.nanoTime(), shrinkAfterNanos);
                synchronized (lines) {
                    lines.giveBack(back);
                }
            }
            total += length;
        }
        return total;
    }

    /** One thread's lines: the buffer it fills, and an empty one to swap in. Guarded by its own monitor. */
    private static final class Lines {
        private byte[] filling;
        private int filled;
        private byte[] spare;
        /** When a drain last found a buffer at least a quarter full, or last halved one; the writer's thread only. */
        private long lastNeededNanos = System.nanoTime();

        boolean append(CharSequence line, int maxBytes) {
            int len = line.length();
            // At most 3 bytes per char in UTF-8 (a surrogate pair is 4 for 2 chars), and the line feed.
            int need = filled + 3 * len + 1;
            if (filling == null || need > filling.length) {
                if (need > maxBytes) {
                    return false;
                }
                grow(need, maxBytes);
            }
            byte[] bytes = filling;
            int at = filled;
            for (int i = 0; i < len; i++) {
                char c = line.charAt(i);
                if (c < 0x80) {
                    bytes[at++] = (byte) c;
                } else if (c < 0x800) {
                    bytes[at++] = (byte) (0xC0 | c >> 6);
                    bytes[at++] = (byte) (0x80 | c & 0x3F);
                } else if (Character.isHighSurrogate(c) && i + 1 < len
                        && Character.isLowSurrogate(line.charAt(i + 1))) {
                    int cp = Character.toCodePoint(c, line.charAt(++i));
                    bytes[at++] = (byte) (0xF0 | cp >> 18);
                    bytes[at++] = (byte) (0x80 | cp >> 12 & 0x3F);
                    bytes[at++] = (byte) (0x80 | cp >> 6 & 0x3F);
                    bytes[at++] = (byte) (0x80 | cp & 0x3F);
                } else if (Character.isSurrogate(c)) {
                    bytes[at++] = '?';
                } else {
                    bytes[at++] = (byte) (0xE0 | c >> 12);
                    bytes[at++] = (byte) (0x80 | c >> 6 & 0x3F);
                    bytes[at++] = (byte) (0x80 | c & 0x3F);
                }
            }
            bytes[at++] = '\n';
            filled = at;
            return true;
        }

        private void grow(int need, int maxBytes) {
            int size = filling == null ? FIRST_BYTES : filling.length;
            while (size < need) {
                size = Math.min(maxBytes, size * 2);
            }
            byte[] bigger = new byte[size];
            if (filling != null) {
                System.arraycopy(filling, 0, bigger, 0, filled);
            }
            filling = bigger;
        }

        /** The filled buffer, for the writer; the spare (if any) is filled next. */
        byte[] swap() {
            byte[] taken = filling;
            filling = spare;
            spare = null;
            filled = 0;
            return taken;
        }

        /**
         * What to give back of {@code taken}, which held {@code used} bytes: the same buffer, or one of half its size
         * when the buffers have been less than a quarter full since {@code shrinkAfterNanos} ago, so that the
         * buffers a burst grew (up to the limit each) shrink back as the traffic calms down instead of staying at
         * their peak. The writer's thread only (it allocates the smaller one, outside the lock).
         */
        byte[] fitted(byte[] taken, int used, long now, long shrinkAfterNanos) {
            if (taken.length <= FIRST_BYTES || used >= taken.length / 4) {
                lastNeededNanos = now;
                return taken;
            }
            if (now - lastNeededNanos < shrinkAfterNanos) {
                return taken;
            }
            lastNeededNanos = now;
            return new byte[taken.length / 2];
        }

        /** The writer is done with {@code taken}: it is the next spare, unless a bigger one came meanwhile. */
        void giveBack(byte[] taken) {
            if (spare == null || spare.length < taken.length) {
                spare = taken;
            }
        }

        long held() {
            return (filling == null ? 0 : filling.length) + (spare == null ? 0 : spare.length);
        }
    }
}
