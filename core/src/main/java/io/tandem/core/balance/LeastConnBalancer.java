package io.tandem.core.balance;

import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Least connections: the eligible server with the fewest active connections per unit of weight. The scan starts
 * one server further on every pick, so ties (idle servers above all) are broken round robin and share the load.
 */
public final class LeastConnBalancer implements Balancer {
    private final ServerTiers tiers;
    private final AtomicInteger start = new AtomicInteger();

    public LeastConnBalancer(List<Server> servers) {
        this.tiers = new ServerTiers(servers);
    }

    @Override
    public Server select(String hashKey, Set<Server> excluded) {
        Server[] tier = tiers.servingTier();
        int n = tier.length;
        if (n == 0) {
            return null;
        }
        int offset = Math.floorMod(start.getAndIncrement(), n);
        Server best = null;
        for (int i = 0; i < n; i++) {
            Server s = tier[(offset + i) % n];
            if (ServerTiers.eligible(s, excluded) && (best == null || ServerTiers.lessLoaded(s, best))) {
                best = s;
            }
        }
        return best;
    }
}
