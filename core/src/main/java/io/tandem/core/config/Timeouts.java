package io.tandem.core.config;

import java.time.Duration;

/**
 * The {@code timeout} block, the same keys in defaults, frontends and backends. A null field is not set
 * here and inherits from the enclosing level ({@link #orElse}).
 */
public record Timeouts(Duration connect, Duration client, Duration server, Duration httpRequest,
                       Duration httpKeepAlive, Duration tunnel, Duration queue) {

    /** Nothing set. */
    public static final Timeouts UNSET = new Timeouts(null, null, null, null, null, null, null);

    /** The values Tandem uses when the config sets none (HAProxy users expect finite timeouts). */
    public static final Timeouts BUILT_IN = new Timeouts(Duration.ofSeconds(5), Duration.ofSeconds(30),
            Duration.ofSeconds(30), Duration.ofSeconds(10), Duration.ofSeconds(10), Duration.ofHours(1),
            Duration.ofSeconds(30));

    /** This level's values, each unset one taken from {@code parent}. */
    public Timeouts orElse(Timeouts parent) {
        return new Timeouts(pick(connect, parent.connect), pick(client, parent.client), pick(server, parent.server),
                pick(httpRequest, parent.httpRequest), pick(httpKeepAlive, parent.httpKeepAlive),
                pick(tunnel, parent.tunnel), pick(queue, parent.queue));
    }

    private static Duration pick(Duration own, Duration inherited) {
        return own != null ? own : inherited;
    }
}
