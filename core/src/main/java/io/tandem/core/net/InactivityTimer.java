package io.tandem.core.net;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;

/**
 * Fires once when nothing has touched it for a given time. Touching, restarting and cancelling only write
 * fields (a deadline, as HAProxy's task queue keeps one per task): one scheduled task checks on expiry which
 * deadlines really passed and re-arms for the earliest one left, so a busy keep-alive connection costs no
 * scheduler churn per request or per body chunk. The timers of one {@link Group} (a connection's) share that one
 * task. Used only from its event loop.
 */
public final class InactivityTimer {
    private final Group group;
    private final Runnable onExpiry;
    private long timeoutNanos;
    private long lastTouchNanos;
    private boolean active;

    /** A timer with a scheduled task of its own. */
    public InactivityTimer(EventExecutor executor, Runnable onExpiry) {
        this(new Group(executor, 1), onExpiry);
    }

    private InactivityTimer(Group group, Runnable onExpiry) {
        this.group = group;
        this.onExpiry = onExpiry;
        group.add(this);
    }

    /** Starts (or restarts) the timer with a new timeout. */
    public void start(long timeoutMillis) {
        timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        lastTouchNanos = System.nanoTime();
        active = true;
        group.due(lastTouchNanos + timeoutNanos, lastTouchNanos);
    }

    public void touch() {
        lastTouchNanos = System.nanoTime();
    }

    /** Stops the timer; a task still scheduled finds it inactive and lapses. */
    public void cancel() {
        active = false;
    }

    /**
     * Stops the timer, and drops the group's scheduled task once no timer of the group is active, so a closed
     * connection is not kept alive by the scheduler.
     */
    public void stop() {
        active = false;
        group.dropIfIdle();
    }

    private long deadline() {
        return lastTouchNanos + timeoutNanos;
    }

    /** The timers of one connection: one scheduled task, armed for the earliest deadline among them. */
    public static final class Group {
        private final EventExecutor executor;
        private final InactivityTimer[] timers;
        private int size;
        private ScheduledFuture<?> pending;
        private long pendingFiresAtNanos;
        private final Runnable check = this::check;

        /** A group for at most {@code capacity} timers, all on {@code executor}. */
        public Group(EventExecutor executor, int capacity) {
            this.executor = executor;
            this.timers = new InactivityTimer[capacity];
        }

        /** A new timer of this group that runs {@code onExpiry} when it expires. */
        public InactivityTimer timer(Runnable onExpiry) {
            return new InactivityTimer(this, onExpiry);
        }

        private void add(InactivityTimer timer) {
            if (size == timers.length) {
                throw new IllegalStateException("group holds " + timers.length + " timers already");
            }
            timers[size++] = timer;
        }

        /** A timer of the group must fire by {@code deadline}: arms the task, or re-arms one that fires too late. */
        private void due(long deadline, long now) {
            if (pending != null && pendingFiresAtNanos - deadline > 0) {
                pending.cancel(false);
                pending = null;
            }
            if (pending == null) {
                arm(deadline - now, now);
            }
        }

        private void dropIfIdle() {
            if (pending == null) {
                return;
            }
            for (int i = 0; i < size; i++) {
                if (timers[i].active) {
                    return;
                }
            }
            pending.cancel(false);
            pending = null;
        }

        private void arm(long delayNanos, long now) {
            pendingFiresAtNanos = now + delayNanos;
            pending = executor.schedule(check, delayNanos, TimeUnit.NANOSECONDS);
        }

        /** Fires the timers whose deadline passed, earliest first, then re-arms for the earliest one left. */
        private void check() {
            pending = null;
            long now = System.nanoTime();
            for (;;) {
                InactivityTimer earliest = null;
                for (int i = 0; i < size; i++) {
                    InactivityTimer timer = timers[i];
                    if (timer.active && (earliest == null || earliest.deadline() - timer.deadline() > 0)) {
                        earliest = timer;
                    }
                }
                if (earliest == null) {
                    return;
                }
                if (earliest.deadline() - now > 0) {
                    // An expiry handler may have started a timer, and armed the task already: due() keeps the
                    // earlier of the two.
                    due(earliest.deadline(), now);
                    return;
                }
                earliest.active = false;
                earliest.onExpiry.run();
            }
        }
    }
}
