package io.tandem.core.balance;

import java.util.List;
import java.util.Set;

/**
 * A pool's servers split once into active and backup tiers, with the eligibility rules every algorithm shares:
 * the backup tier serves only while no active server is usable, and a server is picked only when usable, below
 * its {@code maxconn} and not excluded. State is read on every call, so health changes are seen at once.
 */
final class ServerTiers {
    private final Server[] actives;
    private final Server[] backups;

    ServerTiers(List<Server> servers) {
        this.actives = servers.stream().filter(s -> !s.backup()).toArray(Server[]::new);
        this.backups = servers.stream().filter(Server::backup).toArray(Server[]::new);
    }

    Server[] actives() {
        return actives;
    }

    Server[] backups() {
        return backups;
    }

    /** The tier that serves now: the actives while any is usable (even if all are full), else the backups. */
    Server[] servingTier() {
        return anyUsable(actives) ? actives : backups;
    }

    /** True when {@code s} belongs to the serving tier and is usable (its capacity is not considered). */
    boolean inServingTier(Server s) {
        return s.isUsable() && (!s.backup() || !anyUsable(actives));
    }

    /** True when some server of either tier is usable. */
    boolean anyUsable() {
        return anyUsable(actives) || anyUsable(backups);
    }

    /** True when the serving tier has a usable server outside {@code excluded}, whatever its load. */
    boolean anyCandidate(Set<Server> excluded) {
        for (Server s : servingTier()) {
            if (s.isUsable() && !excluded.contains(s)) {
                return true;
            }
        }
        return false;
    }

    static boolean eligible(Server s, Set<Server> excluded) {
        return s.isUsable() && s.hasCapacity() && !excluded.contains(s);
    }

    /** {@link #byWeight(Server[], Set, long, boolean)} over the eligible servers. */
    static Server byWeight(Server[] tier, Set<Server> excluded, long point) {
        return byWeight(tier, excluded, point, true);
    }

    /**
     * The server of {@code tier} that owns {@code point} on the weight line [0, total weight), or null when the
     * line is empty. The line holds the eligible servers when {@code strict}, else every usable one (load and
     * exclusions ignored, so a map-based hash does not reshuffle whenever a server fills up). {@code point} is
     * taken modulo the total as unsigned, so every value maps deterministically. Two passes and no allocation; a
     * server changing state between them makes the walk end on the last server seen rather than fail.
     */
    static Server byWeight(Server[] tier, Set<Server> excluded, long point, boolean strict) {
        long total = 0;
        for (Server s : tier) {
            if (strict ? eligible(s, excluded) : s.isUsable()) {
                total += s.weight();
            }
        }
        if (total == 0) {
            return null;
        }
        long remaining = Long.remainderUnsigned(point, total);
        Server last = null;
        for (Server s : tier) {
            if (strict ? eligible(s, excluded) : s.isUsable()) {
                last = s;
                remaining -= s.weight();
                if (remaining < 0) {
                    return s;
                }
            }
        }
        return last;
    }

    /** True when {@code a} carries fewer connections per unit of weight than {@code b}. */
    static boolean lessLoaded(Server a, Server b) {
        return (long) a.activeConnections() * b.weight() < (long) b.activeConnections() * a.weight();
    }

    private static boolean anyUsable(Server[] tier) {
        for (Server s : tier) {
            if (s.isUsable()) {
                return true;
            }
        }
        return false;
    }
}
