package io.tandem.l4;

import io.tandem.core.balance.Server;
import io.tandem.core.balance.ServerPool;
import io.tandem.core.config.BalanceConfig;
import io.tandem.core.config.ServiceConfig;
import io.tandem.core.config.Timeouts;
import io.tandem.core.log.SocketFailureLog;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;

/**
 * One compiled L4 service: its config, its timeouts with the built-in values filled in, and the live state it uses
 * from the runtime state: its server pool and the traffic counters of the service and of each of its servers
 * (thread-safe, and kept across recompiles).
 */
public final class ServiceRuntime {
    /** Flows of a UDP service when neither the service nor {@code global.maxconn} limit them. */
    public static final int DEFAULT_MAX_FLOWS = 65536;

    private final ServiceConfig config;
    private final Timeouts timeouts;
    private final ServerPool pool;
    private final L4Counters counters;
    private final Map<Server, L4Counters> serverCounters;
    private final SocketFailureLog connectFailures;

    ServiceRuntime(ServiceConfig config, ServerPool pool, L4Counters counters, Map<Server, L4Counters> serverCounters) {
        this.config = config;
        this.timeouts = (config.timeout() == null ? Timeouts.UNSET : config.timeout()).orElse(Timeouts.BUILT_IN);
        this.pool = pool;
        this.counters = counters;
        this.serverCounters = serverCounters;
        this.connectFailures = new SocketFailureLog("service " + config.name());
    }

    public String name() {
        return config.name();
    }

    public ServiceConfig config() {
        return config;
    }

    /** The service's timeouts, every key set (the config's, else Tandem's built-in values). */
    public Timeouts timeouts() {
        return timeouts;
    }

    public ServerPool pool() {
        return pool;
    }

    public List<Server> servers() {
        return pool.servers();
    }

    /** The service's own counters. */
    public L4Counters counters() {
        return counters;
    }

    /** The counters of one of this service's servers; null for a server of another service. */
    public L4Counters counters(Server server) {
        return serverCounters.get(server);
    }

    SocketFailureLog connectFailures() {
        return connectFailures;
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

    @Override
    public String toString() {
        return "service " + name();
    }
}
