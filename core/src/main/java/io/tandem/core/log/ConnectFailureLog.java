package io.tandem.core.log;

import io.tandem.core.balance.Server;
import io.tandem.core.health.Failures;
import io.tandem.core.net.Descriptors;

/**
 * The operator line for failed connects to the servers of one L7 backend or L4 service, as bursts (see
 * {@link RateLimitedLog}): {@code backend app: cannot connect to app/a at 10.0.0.1:80 (connection refused)}. The
 * counters keep the exact numbers.
 */
public final class ConnectFailureLog {
    private static final System.Logger LOG = System.getLogger(ConnectFailureLog.class.getName());

    private final String owner;
    private final RateLimitedLog log = new RateLimitedLog(LOG, System.Logger.Level.WARNING);

    /** {@code owner} names the backend or service in the line: {@code backend app}, {@code service web}. */
    public ConnectFailureLog(String owner) {
        this.owner = owner;
    }

    public void failed(Server server, Throwable cause, long connectTimeoutMillis) {
        log.event(() -> owner + ": cannot connect to " + server.qualifiedName() + " at " + server.config().address()
                + (Descriptors.exhausted(cause) ? ": " + Descriptors.exhaustedPhrase() + "; " + Descriptors.ADVICE
                        : " (" + Failures.describe(cause, connectTimeoutMillis) + ")"));
    }
}
