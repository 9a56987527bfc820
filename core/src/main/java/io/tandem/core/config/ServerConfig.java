package io.tandem.core.config;

/**
 * One server of a pool. {@code weight} 1..256 (HAProxy's range; 0 takes no new traffic), {@code maxconn} 0 for
 * unlimited, {@code cookie} null when the server has no persistence value.
 */
public record ServerConfig(String name, HostPort address, int weight, boolean backup, int maxconn, String cookie,
                           SourcePos pos) {
}
