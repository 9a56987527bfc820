package io.tandem.core.log;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * One kind of repeated event of one frontend, backend or service, logged as bursts rather than one line per event:
 * the first at once, then at most one line every {@value #QUIET_SECONDS} seconds, which says how many more happened
 * since the previous line. A flood of bad clients or a dead server then costs a few lines, not one per connection,
 * while the first occurrence is never delayed. Thread-safe; a suppressed event costs two atomic operations and
 * does not build its line.
 */
public final class RateLimitedLog {
    public static final long QUIET_SECONDS = 10;

    private final System.Logger logger;
    private final System.Logger.Level level;
    private final long quietNanos;
    private final AtomicLong unreported = new AtomicLong();
    private final AtomicLong lastReportNanos;

    public RateLimitedLog(System.Logger logger, System.Logger.Level level) {
        this(logger, level, TimeUnit.SECONDS.toNanos(QUIET_SECONDS));
    }

    /** With another quiet period than the operators' {@value #QUIET_SECONDS} seconds: tests that wait it out. */
    RateLimitedLog(System.Logger logger, System.Logger.Level level, long quietNanos) {
        this.logger = logger;
        this.level = level;
        this.quietNanos = quietNanos;
        this.lastReportNanos = new AtomicLong(System.nanoTime() - quietNanos);
    }

    /** Counts one event, and logs {@code line} with the count of the ones left out since the last line when due. */
    public void event(Supplier<String> line) {
        long events = unreported.incrementAndGet();
        long last = lastReportNanos.get();
        long now = System.nanoTime();
        if (now - last < quietNanos || !lastReportNanos.compareAndSet(last, now)) {
            return;
        }
        unreported.addAndGet(-events);
        long more = events - 1;
        logger.log(level, more > 0 ? line.get() + "; " + more + " more since the last report" : line.get());
    }
}
