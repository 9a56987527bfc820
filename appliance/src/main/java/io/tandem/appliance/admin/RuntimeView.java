package io.tandem.appliance.admin;

import io.tandem.appliance.ReloadResult;
import io.tandem.cluster.ClusterStatus;
import io.tandem.cluster.PeerReply;
import io.tandem.cluster.ServerChange;
import io.tandem.core.config.ConfigVersion;
import io.tandem.core.config.TandemConfig;
import io.tandem.core.health.HealthChecks;
import io.tandem.l4.L4Snapshot;
import io.tandem.l7.proxy.ClientSession;
import io.tandem.l7.proxy.L7Snapshot;
import io.tandem.vrrp.runtime.VrrpInstance;

import java.util.List;

/** What the runtime API sees of and may change in the running daemon. Every method is safe from any thread. */
public interface RuntimeView {

    /** The config running now: the file's, with the servers the runtime API added or removed since. */
    TandemConfig config();

    /** The L7 snapshot new connections start on. */
    L7Snapshot l7();

    /** The L4 snapshot new connections and flows start on. */
    L4Snapshot l4();

    HealthChecks healthChecks();

    List<VrrpInstance> vrrp();

    /** The cluster's members, peers and replication counters now; null when the config has no cluster. */
    ClusterStatus clusterStatus();

    /** The open L7 client connections (waits briefly on the event loops; never call from one). */
    List<ClientSession> sessions();

    /** The version this build carries. */
    String version();

    /** When the daemon started, epoch milliseconds. */
    long startedAtMillis();

    /**
     * Compiles {@code next} (the running config with servers added or removed) against the live state and, when it
     * compiles, makes it the running config as a reload would: new connections start on its snapshots, kept
     * servers keep their state and connections. Changes and reloads are applied one at a time.
     */
    ReloadResult apply(TandemConfig next);

    /** Reloads the config file without dropping a connection, as SIGHUP does. */
    ReloadResult reload();

    /**
     * Sends an admin change just made here to the peers ({@code share: server-states}) and returns their replies
     * (empty when no peer is in the cluster now); null when the node does not share server states.
     */
    List<PeerReply> shareServer(ServerChange change);

    /** The version of the shared config sections (defaults, l7, l4) this node runs. */
    ConfigVersion configVersion();
}
