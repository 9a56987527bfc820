package io.tandem.core.log;

import io.tandem.core.health.Failures;
import io.tandem.core.net.Descriptors;

/**
 * The operator line for failed accepts on the listeners of one L7 frontend or L4 service, as bursts (see
 * {@link RateLimitedLog}): {@code frontend web: accept failed: too many open files (limit 256) with 120
 * connections open; raise LimitNOFILE or lower maxconn}. The clients wait in the kernel's backlog meanwhile.
 */
public final class AcceptFailureLog {
    private static final System.Logger LOG = System.getLogger(AcceptFailureLog.class.getName());

    private final String owner;
    private final RateLimitedLog log = new RateLimitedLog(LOG, System.Logger.Level.WARNING);

    /** {@code owner} names the frontend or service in the line: {@code frontend web}, {@code service web}. */
    public AcceptFailureLog(String owner) {
        this.owner = owner;
    }

    public void failed(Throwable cause, int openConnections) {
        log.event(() -> owner + ": accept failed: " + Failures.describe(cause, 0) + " with " + openConnections
                + " connections open" + (Descriptors.exhausted(cause) ? "; " + Descriptors.ADVICE : ""));
    }
}
