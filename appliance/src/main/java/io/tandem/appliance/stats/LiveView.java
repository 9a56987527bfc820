package io.tandem.appliance.stats;

import io.tandem.cluster.ClusterStatus;
import io.tandem.core.state.RuntimeState;
import io.tandem.l4.L4Snapshot;
import io.tandem.l7.proxy.L7Snapshot;
import io.tandem.vrrp.runtime.VrrpInstance;

import java.util.List;

/**
 * What the stats endpoint reads: the node's name, the snapshots that run now (their frontends, backends, services
 * and the counters they point at), the VRRP instances, the runtime state (health-check results) and the cluster's
 * status (null without a {@code cluster} section). The daemon hands out a new one when it swaps snapshots.
 */
public record LiveView(String node, L7Snapshot l7, L4Snapshot l4, List<VrrpInstance> vrrp, RuntimeState state,
                       ClusterStatus cluster) {

    /** A view of a node without a cluster. */
    public LiveView(String node, L7Snapshot l7, L4Snapshot l4, List<VrrpInstance> vrrp, RuntimeState state) {
        this(node, l7, l4, vrrp, state, null);
    }
}
