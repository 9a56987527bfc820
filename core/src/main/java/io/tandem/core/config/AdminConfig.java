package io.tandem.core.config;

/** The {@code admin} block: {@code stats} is null when the metrics and stats endpoint is not configured. */
public record AdminConfig(StatsConfig stats) {

    /** No {@code admin} block. */
    public static final AdminConfig NONE = new AdminConfig(null);
}
