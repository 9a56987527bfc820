package io.tandem.core.balance;

import io.tandem.core.config.BalanceConfig;

import java.util.List;

/** Builds the {@link Balancer} a {@code balance} setting names. */
public final class Balancers {
    private Balancers() {
    }

    /** A balancer over {@code servers} (actives and backups together) for {@code config}'s algorithm. */
    public static Balancer create(BalanceConfig config, List<Server> servers) {
        return switch (config.algorithm()) {
            case ROUNDROBIN -> new RoundRobinBalancer(servers);
            case LEASTCONN -> new LeastConnBalancer(servers);
            case RANDOM -> new RandomBalancer(servers);
            case SOURCE, URI, HDR -> new HashBalancer(servers, config.consistent());
            case MAGLEV -> new MaglevBalancer(servers);
        };
    }
}
