package io.tandem.core.config;

/**
 * The {@code admin} block: {@code socket}, the path of the runtime API's unix socket, and {@code stats}, null when
 * the metrics and stats endpoint is not configured.
 */
public record AdminConfig(String socket, StatsConfig stats) {
    /** Where the runtime API listens when the config does not say. */
    public static final String DEFAULT_SOCKET = "/run/tandem/tandem.sock";

    /** No {@code admin} block: the runtime API on its default socket, no stats endpoint. */
    public static final AdminConfig NONE = new AdminConfig(DEFAULT_SOCKET, null);
}
