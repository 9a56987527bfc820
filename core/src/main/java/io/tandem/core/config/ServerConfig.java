package io.tandem.core.config;

/**
 * One server of a pool. {@code weight} 1..256 (HAProxy's range; 0 takes no new traffic), {@code maxconn} 0 for
 * unlimited, {@code cookie} null when the server has no persistence value, {@code ssl} null for plain text.
 */
public record ServerConfig(String name, HostPort address, int weight, boolean backup, int maxconn, String cookie,
                           ServerTls ssl, SourcePos pos) {

    /** A plain-text server. */
    public ServerConfig(String name, HostPort address, int weight, boolean backup, int maxconn, String cookie,
                        SourcePos pos) {
        this(name, address, weight, backup, maxconn, cookie, null, pos);
    }
}
