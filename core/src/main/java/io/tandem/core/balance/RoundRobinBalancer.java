package io.tandem.core.balance;

import java.util.List;
import java.util.Set;

/**
 * Smooth weighted round robin (nginx's algorithm): every pick adds each eligible server's weight to its running
 * score, takes the highest score and subtracts the eligible total from it, so weights 3:1 interleave as
 * A A B A rather than A A A B.
 */
public final class RoundRobinBalancer implements Balancer {
    private final ServerTiers tiers;
    // Running scores, one per server of each tier, guarded by this; the section is a single pass over the tier.
    private final long[] activeScores;
    private final long[] backupScores;

    public RoundRobinBalancer(List<Server> servers) {
        this.tiers = new ServerTiers(servers);
        this.activeScores = new long[tiers.actives().length];
        this.backupScores = new long[tiers.backups().length];
    }

    @Override
    public Server select(String hashKey, Set<Server> excluded) {
        Server[] tier = tiers.servingTier();
        long[] scores = tier == tiers.actives() ? activeScores : backupScores;
        synchronized (this) {
            long total = 0;
            int best = -1;
            for (int i = 0; i < tier.length; i++) {
                Server s = tier[i];
                if (!ServerTiers.eligible(s, excluded)) {
                    continue;
                }
                scores[i] += s.weight();
                total += s.weight();
                if (best < 0 || scores[i] > scores[best]) {
                    best = i;
                }
            }
            if (best < 0) {
                return null;
            }
            scores[best] -= total;
            return tier[best];
        }
    }
}
