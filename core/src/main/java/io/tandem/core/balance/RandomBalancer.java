package io.tandem.core.balance;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Power of two choices: two weighted-random candidates, the less loaded one (active connections per unit of
 * weight, so weights hold under load) wins. Avoids herding onto one idle server without any shared state.
 */
public final class RandomBalancer implements Balancer {
    private final ServerTiers tiers;

    public RandomBalancer(List<Server> servers) {
        this.tiers = new ServerTiers(servers);
    }

    @Override
    public Server select(String hashKey, Set<Server> excluded) {
        Server[] tier = tiers.servingTier();
        ThreadLocalRandom random = ThreadLocalRandom.current();
        Server first = ServerTiers.byWeight(tier, excluded, random.nextLong());
        if (first == null) {
            return null;
        }
        Server second = ServerTiers.byWeight(tier, excluded, random.nextLong());
        return second != null && ServerTiers.lessLoaded(second, first) ? second : first;
    }
}
