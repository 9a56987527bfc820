package io.tandem.core.log;

import io.tandem.core.balance.Server;
import io.tandem.core.health.Failures;
import io.tandem.core.net.Descriptors;

/**
 * The operator line for one kind of socket failure of one owner, as bursts (see {@link RateLimitedLog}): failed
 * accepts on the listeners of an L7 frontend or L4 service ({@code frontend web: accept failed: too many open files
 * (limit 256) with 120 connections open; raise LimitNOFILE or lower maxconn}; the clients wait in the kernel's
 * backlog meanwhile), or failed connects to the servers of an L7 backend or L4 service ({@code backend app: cannot
 * connect to app/a at 10.0.0.1:80 (connection refused)}; the counters keep the exact numbers). One log per kind,
 * so that a burst of one does not hide the other.
 */
public final class SocketFailureLog {
    private static final System.Logger LOG = System.getLogger(SocketFailureLog.class.getName());

    private final String owner;
    private final RateLimitedLog log = new RateLimitedLog(LOG, System.Logger.Level.WARNING);

    /** {@code owner} names the frontend, backend or service in the line: {@code frontend web}, {@code service web}. */
    public SocketFailureLog(String owner) {
        this.owner = owner;
    }

    /** An accept failed with {@code openConnections} open on the owner's listeners. */
    public void failed(Throwable cause, int openConnections) {
        log.event(() -> owner + ": accept failed: " + Failures.describe(cause, 0) + " with " + openConnections
                + " connections open" + (Descriptors.exhausted(cause) ? "; " + Descriptors.ADVICE : ""));
    }

    /** A connect to {@code server}, one of the owner's, failed. */
    public void failed(Server server, Throwable cause, long connectTimeoutMillis) {
        log.event(() -> owner + ": cannot connect to " + server.qualifiedName() + " at " + server.config().address()
                + (Descriptors.exhausted(cause) ? ": " + Descriptors.exhaustedPhrase() + "; " + Descriptors.ADVICE
                        : " (" + Failures.describe(cause, connectTimeoutMillis) + ")"));
    }
}
