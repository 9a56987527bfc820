package io.tandem.core.config;

/**
 * One server of a pool. {@code weight} 1..256 (HAProxy's range; 0 takes no new traffic), {@code maxconn} 0 for
 * unlimited, {@code cookie} null when the server has no persistence value, {@code ssl} null for plain text,
 * {@code h2} true when an l7 server is reached over HTTP/2 ({@code proto: h2}), false for HTTP/1.1.
 */
public record ServerConfig(String name, HostPort address, int weight, boolean backup, int maxconn, String cookie,
                           ServerTls ssl, boolean h2, SourcePos pos) {

    /** A plain-text HTTP/1.1 server. */
    public ServerConfig(String name, HostPort address, int weight, boolean backup, int maxconn, String cookie,
                        SourcePos pos) {
        this(name, address, weight, backup, maxconn, cookie, null, false, pos);
    }
}
