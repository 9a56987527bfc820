package io.tandem.core.net;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;

/**
 * Fires once when nothing has touched it for a given time. Touching, restarting and cancelling only write
 * fields: the one scheduled task checks on expiry whether the deadline really passed and re-arms for the
 * remainder, so a busy keep-alive connection costs no scheduler churn per request or per body chunk. Used
 * only from its event loop.
 */
public final class InactivityTimer {
    private final EventExecutor executor;
    private final Runnable onExpiry;
    private long timeoutNanos;
    private long lastTouchNanos;
    private boolean active;
    private ScheduledFuture<?> pending;
    private long pendingFiresAtNanos;

    public InactivityTimer(EventExecutor executor, Runnable onExpiry) {
        this.executor = executor;
        this.onExpiry = onExpiry;
    }

    /** Starts (or restarts) the timer with a new timeout. */
    public void start(long timeoutMillis) {
        timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        lastTouchNanos = System.nanoTime();
        active = true;
        long deadline = lastTouchNanos + timeoutNanos;
        if (pending != null && pendingFiresAtNanos - deadline > 0) {
            // The task already scheduled would fire too late for this shorter timeout.
            pending.cancel(false);
            pending = null;
        }
        if (pending == null) {
            arm(timeoutNanos);
        }
    }

    public void touch() {
        lastTouchNanos = System.nanoTime();
    }

    /** Stops the timer; a task still scheduled finds it inactive and lapses. */
    public void cancel() {
        active = false;
    }

    /** Stops the timer and drops its scheduled task, so a closed connection is not kept alive by the scheduler. */
    public void stop() {
        active = false;
        if (pending != null) {
            pending.cancel(false);
            pending = null;
        }
    }

    private void arm(long delayNanos) {
        pendingFiresAtNanos = System.nanoTime() + delayNanos;
        pending = executor.schedule(this::check, delayNanos, TimeUnit.NANOSECONDS);
    }

    private void check() {
        pending = null;
        if (!active) {
            return;
        }
        long remaining = lastTouchNanos + timeoutNanos - System.nanoTime();
        if (remaining > 0) {
            arm(remaining);
        } else {
            active = false;
            onExpiry.run();
        }
    }
}
