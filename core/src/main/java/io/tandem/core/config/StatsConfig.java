package io.tandem.core.config;

/**
 * {@code admin.stats}: where the metrics and the stats page are served. {@code bind} is one TCP address (no bind
 * options); {@code metricsPath} serves Prometheus's text exposition, {@code pagePath} the stats page and
 * {@code pagePath + ";json"} the page's data; {@code auth} is null when the endpoint is open.
 */
public record StatsConfig(BindConfig bind, String metricsPath, String pagePath, Auth auth) {

    /** The address the stats endpoint listens on when {@code bind} is not given. */
    public static final String DEFAULT_BIND = "127.0.0.1:8404";
    public static final String DEFAULT_METRICS = "/metrics";
    public static final String DEFAULT_PAGE = "/stats";

    /** The path of the page's data, polled by the page itself: HAProxy's {@code ;csv}/{@code ;json} style. */
    public String jsonPath() {
        return pagePath + ";json";
    }

    /** HTTP basic authentication: the one {@code user} and its {@code password} (read from a file or the env). */
    public record Auth(String user, String password) {
        /** Never prints the password. */
        @Override
        public String toString() {
            return "Auth[user=" + user + "]";
        }
    }
}
