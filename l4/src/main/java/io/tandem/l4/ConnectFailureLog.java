package io.tandem.l4;

import io.tandem.core.balance.Server;
import io.tandem.core.health.Failures;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Logs failed connects to servers as bursts, not one line per connection: the first failure at once, then at
 * most one line every {@value #QUIET_SECONDS} seconds per service with the number of failures since the last one.
 * The counters ({@link L4Counters#connectErrors}) keep the exact numbers.
 */
final class ConnectFailureLog {
    private static final System.Logger LOG = System.getLogger(ConnectFailureLog.class.getName());
    static final long QUIET_SECONDS = 10;

    private final String service;
    private final AtomicLong unreported = new AtomicLong();
    private final AtomicLong lastReportNanos = new AtomicLong(System.nanoTime() - TimeUnit.SECONDS.toNanos(QUIET_SECONDS));

    ConnectFailureLog(String service) {
        this.service = service;
    }

    void failed(Server server, Throwable cause, long connectTimeoutMillis) {
        long failures = unreported.incrementAndGet();
        long last = lastReportNanos.get();
        long now = System.nanoTime();
        if (now - last < TimeUnit.SECONDS.toNanos(QUIET_SECONDS) || !lastReportNanos.compareAndSet(last, now)) {
            return;
        }
        unreported.addAndGet(-failures);
        LOG.log(System.Logger.Level.WARNING, "service " + service + ": cannot connect to " + server.qualifiedName()
                + " at " + server.config().address() + " (" + Failures.describe(cause, connectTimeoutMillis) + ")"
                + (failures > 1 ? "; " + failures + " failed connects since the last report" : ""));
    }
}
