package io.tandem.core.config;

import java.util.List;

/**
 * An L4 service ({@code l4.services.NAME}): where it listens, TCP or UDP, how it balances, whether it sends a
 * PROXY header to its servers ({@code sendProxy} 0 none, 1 or 2 for v1/v2), whether bulk TCP streams are relayed
 * with {@code splice(2)} ({@code splice}, off by default), its health check (null: none),
 * its servers and timeouts (merged with the defaults), {@code maxconn} (0: the global limit; for UDP the
 * number of flows) and {@code retries}, the connect attempts after a failed one (from the defaults unless set).
 */
public record ServiceConfig(String name, BindConfig listen, Protocol protocol, BalanceConfig balance, int sendProxy,
                            boolean splice, CheckConfig check, List<ServerConfig> servers, Timeouts timeout, int maxconn,
                            int retries, SourcePos pos) {

    /** The transport a service balances. */
    public enum Protocol { TCP, UDP }
}
