package io.tandem.core.net;

import java.time.Duration;

/**
 * A point on the monotonic clock that a wait ends at. Built from any {@link Duration}, however long, without
 * overflow: waits are capped at about 73 years, so arithmetic on the deadline never wraps.
 */
public record Deadline(long nanoTime) {
    private static final long LONGEST_WAIT_NANOS = Long.MAX_VALUE / 4;

    /** The deadline {@code wait} from now; a negative wait is now. */
    public static Deadline after(Duration wait) {
        long nanos;
        if (wait.isNegative()) {
            nanos = 0;
        } else if (wait.getSeconds() >= LONGEST_WAIT_NANOS / 1_000_000_000L) {
            nanos = LONGEST_WAIT_NANOS;
        } else {
            nanos = wait.toNanos();
        }
        return new Deadline(System.nanoTime() + nanos);
    }

    public boolean passed() {
        return System.nanoTime() - nanoTime >= 0;
    }

    /** Time left until the deadline, zero once it has passed. */
    public Duration remaining() {
        return Duration.ofNanos(Math.max(0, nanoTime - System.nanoTime()));
    }
}
