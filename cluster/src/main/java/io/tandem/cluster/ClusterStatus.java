package io.tandem.cluster;

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
 */
public record ClusterStatus(String cluster, String node, boolean ready, List<String> members, List<Peer> peers,
                            long queueDepth, long dropped, long coalesced, long sent, long received,
                            long refusedJoins, StateTransfer lastStateTransfer) {

    /** One peer: its name (as it named itself), whether it is in the view, the last replication lag from it. */
    public record Peer(String name, boolean inView, Long lagMillis) {
    }

    /** A completed state transfer: from whom, when, how many changes and how long it took. */
    public record StateTransfer(String from, Instant at, long changes, long millis) {
    }

    static List<Peer> peers(List<String> members, String node, Map<String, Long> lag) {
        java.util.Set<String> names = new java.util.TreeSet<>(lag.keySet());
        names.addAll(members);
        names.remove(node);
        return names.stream().map(n -> new Peer(n, members.contains(n), lag.get(n))).toList();
    }
}
