package io.tandem.core.balance;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * Hash balancing for {@code source}, {@code uri} and {@code hdr(NAME)}: the caller passes the request's key.
 * Map-based (HAProxy's default) takes the key's hash modulo the total weight of the usable servers: cheap and
 * even, but a server going down remaps most keys. Consistent ({@code hash-type: consistent}) places
 * {@value #POINTS_PER_WEIGHT} points per unit of weight on a ring and walks clockwise past servers that cannot
 * take the request, so a server leaving moves only its own keys. A null key falls back to round robin.
 */
public final class HashBalancer implements Balancer {
    /** Ring points per unit of weight; enough that each server's share stays within a few percent. */
    static final int POINTS_PER_WEIGHT = 100;

    private final ServerTiers tiers;
    private final boolean consistent;
    private final RoundRobinBalancer fallback;
    // Rebuilt, off the common path, when a server's weight is set at run time.
    private volatile Ring activeRing;
    private volatile Ring backupRing;

    /** A balancer over {@code servers}; {@code consistent} selects the ring over map-based modulo. */
    public HashBalancer(List<Server> servers, boolean consistent) {
        this.tiers = new ServerTiers(servers);
        this.consistent = consistent;
        this.activeRing = consistent ? new Ring(tiers.actives()) : null;
        this.backupRing = consistent ? new Ring(tiers.backups()) : null;
        this.fallback = new RoundRobinBalancer(servers);
    }

    @Override
    public Server select(String hashKey, Set<Server> excluded) {
        if (hashKey == null) {
            return fallback.select(null, excluded);
        }
        long hash = KeyHash.hash64(hashKey);
        Server[] tier = tiers.servingTier();
        if (consistent) {
            return ring(tier == tiers.actives()).select(hash, excluded);
        }
        Server mapped = ServerTiers.byWeight(tier, excluded, hash, false);
        if (mapped == null || ServerTiers.eligible(mapped, excluded)) {
            return mapped;
        }
        // The key's server is full or already tried: a deterministic second choice among those that can take it.
        return ServerTiers.byWeight(tier, excluded, hash, true);
    }

    /** The ring of the active or backup tier, built again first when a weight changed since it was built. */
    private Ring ring(boolean actives) {
        Ring ring = actives ? activeRing : backupRing;
        if (ring.builtForWeights()) {
            return ring;
        }
        synchronized (this) {
            ring = actives ? activeRing : backupRing;
            if (!ring.builtForWeights()) {
                ring = new Ring(actives ? tiers.actives() : tiers.backups());
                if (actives) {
                    activeRing = ring;
                } else {
                    backupRing = ring;
                }
            }
            return ring;
        }
    }

    /** A sorted ring of (point, server); built from the full list, unusable owners skipped at pick time. */
    private static final class Ring {
        private final Server[] servers;
        private final int[] weights;
        private final long[] points;
        private final Server[] owners;

        Ring(Server[] servers) {
            record Point(long position, Server owner) {
            }
            this.servers = servers;
            this.weights = new int[servers.length];
            List<Point> all = new ArrayList<>();
            for (int n = 0; n < servers.length; n++) {
                Server s = servers[n];
                weights[n] = s.weight();
                // Named by server, not address, so a readdressed server keeps its keys and both nodes agree.
                for (int i = 0; i < weights[n] * POINTS_PER_WEIGHT; i++) {
                    all.add(new Point(KeyHash.hash64(s.name() + '#' + i), s));
                }
            }
            all.sort(Comparator.comparingLong(Point::position));
            this.points = all.stream().mapToLong(Point::position).toArray();
            this.owners = all.stream().map(Point::owner).toArray(Server[]::new);
        }

        /** True while every server has the weight the ring was built with. */
        boolean builtForWeights() {
            for (int i = 0; i < servers.length; i++) {
                if (servers[i].weight() != weights[i]) {
                    return false;
                }
            }
            return true;
        }

        Server select(long hash, Set<Server> excluded) {
            int n = points.length;
            if (n == 0) {
                return null;
            }
            int at = Arrays.binarySearch(points, hash);
            int start = at >= 0 ? at : -at - 1;
            for (int i = 0; i < n; i++) {
                Server s = owners[(start + i) % n];
                if (ServerTiers.eligible(s, excluded)) {
                    return s;
                }
            }
            return null;
        }
    }
}
