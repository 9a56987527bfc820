package io.tandem.l7.proxy;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;

/**
 * Fires once when nothing has touched it for a given time. Touching costs a field write, not a reschedule,
 * so it can be touched for every chunk of a body: on expiry the task checks the last touch and re-arms for
 * the remainder. Used only from its event loop.
 */
final class InactivityTimer {
    private final EventExecutor executor;
    private final Runnable onExpiry;
    private long timeoutNanos;
    private long lastTouchNanos;
    private ScheduledFuture<?> pending;

    InactivityTimer(EventExecutor executor, Runnable onExpiry) {
        this.executor = executor;
        this.onExpiry = onExpiry;
    }

    /** Starts (or restarts) the timer with a new timeout. */
    void start(long timeoutMillis) {
        cancel();
        timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        lastTouchNanos = System.nanoTime();
        pending = executor.schedule(this::check, timeoutNanos, TimeUnit.NANOSECONDS);
    }

    void touch() {
        lastTouchNanos = System.nanoTime();
    }

    void cancel() {
        if (pending != null) {
            pending.cancel(false);
            pending = null;
        }
    }

    private void check() {
        if (pending == null) {
            return;
        }
        long remaining = lastTouchNanos + timeoutNanos - System.nanoTime();
        if (remaining > 0) {
            pending = executor.schedule(this::check, remaining, TimeUnit.NANOSECONDS);
        } else {
            pending = null;
            onExpiry.run();
        }
    }
}
