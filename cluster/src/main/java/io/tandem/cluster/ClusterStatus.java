package io.tandem.cluster;

import io.tandem.core.config.ConfigVersion;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What {@code tandem ctl show cluster} and the metrics show of the cluster at one moment.
 *
 * @param cluster           the cluster's name
 * @param node              this node's name
 * @param ready             whether this node has its tables (joined and, with a peer up, received its state)
 * @param members           the current view, coordinator first
 * @param peers             each configured peer: in the view or not, and the replication lag last seen from it
 * @param queueDepth        changes waiting to be sent
 * @param dropped           changes dropped because the queue was full
 * @param coalesced         changes merged into one already pending for the same entry
 * @param sent              changes sent
 * @param received          changes applied from peers
 * @param refusedJoins      joins or merges this node refused for a wrong secret
 * @param lastStateTransfer the last full table transfer this node received, or null
 * @param config            the version of the shared config sections this node runs
 * @param sharing           what the node shares besides the tables, and the counts of shared changes
 */
public record ClusterStatus(String cluster, String node, boolean ready, List<String> members, List<Peer> peers,
                            long queueDepth, long dropped, long coalesced, long sent, long received,
                            long refusedJoins, StateTransfer lastStateTransfer, ConfigVersion config,
                            Sharing sharing) {

    /**
     * One peer: its name (as it named itself), whether it is in the view, the last replication lag from it and the
     * config version it last announced (null before its first announcement).
     */
    public record Peer(String name, boolean inView, Long lagMillis, ConfigVersion config) {
    }

    /**
     * Admin changes and configs shared: whether each is on ({@code share}), admin changes sent to the peers and
     * received from them (applied, or not: a server this node does not have, a newer change held), configs sent,
     * and received ones accepted or refused.
     */
    public record Sharing(boolean serverStates, boolean config, long statesSent, long statesApplied,
                         long statesNotApplied, long configsSent, long configsAccepted, long configsRefused) {
    }

    /** True when every peer in the view that has announced its config version runs the same shared config. */
    public boolean configInSync() {
        return peers.stream().filter(p -> p.inView() && p.config() != null)
                .allMatch(p -> p.config().hash().equals(config.hash()));
    }

    /** A completed state transfer: from whom, when, how many changes and how long it took. */
    public record StateTransfer(String from, Instant at, long changes, long millis) {
    }

    static List<Peer> peers(List<String> members, String node, Map<String, Long> lag,
                            Map<String, ConfigVersion> versions) {
        java.util.Set<String> names = new java.util.TreeSet<>(lag.keySet());
        names.addAll(members);
        names.addAll(versions.keySet());
        names.remove(node);
        return names.stream().map(n -> new Peer(n, members.contains(n), lag.get(n), versions.get(n))).toList();
    }
}
