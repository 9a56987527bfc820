package io.tandem.l4;

import io.tandem.core.balance.Server;
import io.tandem.core.balance.ServerGroup;
import io.tandem.core.balance.ServerPool;
import io.tandem.core.config.BalanceConfig;
import io.tandem.core.config.ServiceConfig;
import io.tandem.core.config.Timeouts;

import java.net.InetSocketAddress;
import java.util.Map;

/**
 * One compiled L4 service: its config, its timeouts with the built-in values filled in, and the live state it uses
 * from the runtime state (its server group: pool and counters, thread-safe and kept across recompiles).
 */
public final class ServiceRuntime extends ServerGroup<L4Counters> {
    /** Flows of a UDP service when neither the service nor {@code global.maxconn} limit them. */
    public static final int DEFAULT_MAX_FLOWS = 65536;

    private final ServiceConfig config;
    private final Timeouts timeouts;

    ServiceRuntime(ServiceConfig config, ServerPool pool, L4Counters counters, Map<Server, L4Counters> serverCounters) {
        super("service", config.name(), pool, counters, serverCounters);
        this.config = config;
        this.timeouts = (config.timeout() == null ? Timeouts.UNSET : config.timeout()).orElse(Timeouts.BUILT_IN);
    }

    public ServiceConfig config() {
        return config;
    }

    /** The service's timeouts, every key set (the config's, else Tandem's built-in values). */
    public Timeouts timeouts() {
        return timeouts;
    }

    /**
     * The key a hashing balancer gets for a client: its IP for {@code source} (a client keeps its server across
     * connections, as in HAProxy); its IP and port for {@code maglev}, so that the many connections of one busy
     * client (or of one NAT gateway) spread like independent flows while each flow, and a UDP flow's datagrams,
     * stay on one server on both nodes of a pair. Null for the other algorithms.
     */
    String hashKey(InetSocketAddress client) {
        BalanceConfig.Algorithm algorithm = config.balance().algorithm();
        if (algorithm == BalanceConfig.Algorithm.SOURCE) {
            return client.getAddress().getHostAddress();
        }
        if (algorithm == BalanceConfig.Algorithm.MAGLEV) {
            return client.getAddress().getHostAddress() + ":" + client.getPort();
        }
        return null;
    }

    /** The connection (TCP) or flow (UDP) limit: the service's {@code maxconn}, else the global one. */
    int maxConnections(int globalMaxconn) {
        if (config.maxconn() > 0) {
            return config.maxconn();
        }
        if (config.protocol() == ServiceConfig.Protocol.UDP) {
            return globalMaxconn > 0 ? Math.min(globalMaxconn, DEFAULT_MAX_FLOWS) : DEFAULT_MAX_FLOWS;
        }
        return globalMaxconn > 0 ? globalMaxconn : Integer.MAX_VALUE;
    }
}
