package io.tandem.core.config;

/** A socket address as written in the config: {@code host:port}, IPv6 as {@code [::1]:80}, {@code *:80} for any. */
public record HostPort(String host, int port) {

    /** True when the host is a wildcard ({@code *}, {@code 0.0.0.0} or {@code ::}). */
    public boolean isWildcard() {
        return host.equals("*") || host.equals("0.0.0.0") || host.equals("::");
    }

    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
