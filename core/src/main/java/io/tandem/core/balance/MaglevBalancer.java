package io.tandem.core.balance;

import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * Maglev hashing (Eisenbud et al., NSDI 2016): a lookup table of {@value #TABLE_SIZE} slots filled from each
 * server's own permutation of the slots, so that two nodes with the same server list build the same table
 * without talking, and a server leaving moves only about 1/N of the keys. Weights give a server
 * proportionally more turns while the table fills. The table covers the usable servers of the serving tier
 * and is rebuilt, off the common path, when that set changes (health, weight, drain).
 */
public final class MaglevBalancer implements Balancer {
    /** A prime well above 100 × the servers of any pool, as the paper advises, for an even spread. */
    static final int TABLE_SIZE = 65537;

    private final ServerTiers tiers;
    private final RoundRobinBalancer fallback;
    private volatile Table table;

    public MaglevBalancer(List<Server> servers) {
        this.tiers = new ServerTiers(servers);
        this.fallback = new RoundRobinBalancer(servers);
    }

    @Override
    public Server select(String hashKey, Set<Server> excluded) {
        if (hashKey == null) {
            return fallback.select(null, excluded);
        }
        if (!tiers.anyCandidate(excluded)) {
            return null;
        }
        Table current = table;
        Server[] tier = tiers.servingTier();
        if (current == null || !current.builtFor(tier)) {
            current = rebuild(tier);
        }
        int slot = (int) Long.remainderUnsigned(KeyHash.hash64(hashKey), TABLE_SIZE);
        Server chosen = current.entries[slot];
        if (chosen == null || ServerTiers.eligible(chosen, excluded)) {
            return chosen;
        }
        // Full or already tried: the next slots give a deterministic second choice, the same on every node.
        for (int i = 1; i < TABLE_SIZE; i++) {
            Server next = current.entries[(slot + i) % TABLE_SIZE];
            if (ServerTiers.eligible(next, excluded)) {
                return next;
            }
        }
        return null;
    }

    private synchronized Table rebuild(Server[] tier) {
        Table current = table;
        if (current == null || !current.builtFor(tier)) {
            current = new Table(tier);
            table = current;
        }
        return current;
    }

    /** The lookup table of one set of usable servers. */
    static final class Table {
        final Server[] members;
        final Set<Server> memberSet;
        /** Each member's weight when the table was filled: a weight set at run time fills it again. */
        final int[] weights;
        final Server[] entries = new Server[TABLE_SIZE];

        Table(Server[] tier) {
            // Sorted by name so that nodes listing the same servers in another order still agree.
            this.members = Arrays.stream(tier).filter(Server::isUsable)
                    .sorted(Comparator.comparing(Server::name)).toArray(Server[]::new);
            this.memberSet = Set.of(members);
            this.weights = Arrays.stream(members).mapToInt(Server::weight).toArray();
            fill();
        }

        /** True while exactly {@link #members} are the usable servers of {@code tier}, with the same weights. */
        boolean builtFor(Server[] tier) {
            int usable = 0;
            for (Server s : tier) {
                if (s.isUsable()) {
                    if (!memberSet.contains(s)) {
                        return false;
                    }
                    usable++;
                }
            }
            if (usable != members.length) {
                return false;
            }
            for (int i = 0; i < members.length; i++) {
                if (members[i].weight() != weights[i]) {
                    return false;
                }
            }
            return true;
        }

        private void fill() {
            int n = members.length;
            if (n == 0) {
                return;
            }
            long[] offset = new long[n];
            long[] skip = new long[n];
            long[] next = new long[n];
            int maxWeight = 1;
            for (int i = 0; i < n; i++) {
                offset[i] = Long.remainderUnsigned(KeyHash.hash64(members[i].name()), TABLE_SIZE);
                skip[i] = Long.remainderUnsigned(KeyHash.mix(KeyHash.hash64(members[i].name()) ^ 0x9E3779B97F4A7C15L),
                        TABLE_SIZE - 1) + 1;
                maxWeight = Math.max(maxWeight, weights[i]);
            }
            int[] credit = new int[n];
            int filled = 0;
            while (true) {
                for (int i = 0; i < n; i++) {
                    credit[i] += weights[i];
                    while (credit[i] >= maxWeight) {
                        credit[i] -= maxWeight;
                        int slot;
                        do {
                            slot = (int) ((offset[i] + next[i] * skip[i]) % TABLE_SIZE);
                            next[i]++;
                        } while (entries[slot] != null);
                        entries[slot] = members[i];
                        if (++filled == TABLE_SIZE) {
                            return;
                        }
                    }
                }
            }
        }
    }
}
