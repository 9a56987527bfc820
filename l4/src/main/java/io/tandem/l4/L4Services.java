package io.tandem.l4;

import io.tandem.core.balance.Server;
import io.tandem.core.config.BalanceConfig;
import io.tandem.core.config.ConfigError;
import io.tandem.core.config.L4Config;
import io.tandem.core.config.ServerConfig;
import io.tandem.core.config.ServiceConfig;
import io.tandem.core.health.CheckTarget;
import io.tandem.core.health.ServerStateListener;
import io.tandem.core.net.Deadline;
import io.tandem.core.net.EventLoops;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The L4 tier at run time: every service of one {@link L4Snapshot} listening on the shared event loops, TCP
 * services relaying connections and UDP services relaying flows to the servers their balancers pick.
 *
 * <p>Wiring: {@link #compile} the config (errors at their positions), construct, {@link #start}; give
 * {@link #checkTargets} to the health checks and add {@link #poolNotifier} as their listener; on shutdown
 * {@link #drain}, then {@link #close}. Servers that are down (or weight 0) get no new connections; the ones they
 * carry go on until they end.
 */
public final class L4Services implements AutoCloseable {
    private static final Set<BalanceConfig.Algorithm> L4_ALGORITHMS = EnumSet.of(BalanceConfig.Algorithm.ROUNDROBIN,
            BalanceConfig.Algorithm.LEASTCONN, BalanceConfig.Algorithm.SOURCE, BalanceConfig.Algorithm.MAGLEV,
            BalanceConfig.Algorithm.RANDOM);

    private final L4Snapshot snapshot;
    private final Map<String, RunningService> running = new LinkedHashMap<>();

    /**
     * The services of {@code snapshot} on {@code loops}; {@code globalMaxconn} ({@code global.maxconn}, 0 for none)
     * limits each service that sets no {@code maxconn} of its own.
     */
    public L4Services(L4Snapshot snapshot, int globalMaxconn, EventLoops loops) {
        this.snapshot = snapshot;
        for (ServiceRuntime service : snapshot.services().values()) {
            int limit = service.maxConnections(globalMaxconn);
            running.put(service.name(), service.config().protocol() == ServiceConfig.Protocol.UDP
                    ? new UdpService(service, loops, limit) : new TcpService(service, loops, limit));
        }
    }

    /**
     * Compiles the {@code l4} block: one {@link Server} per server (its address resolved here, on the control
     * path), one pool per service. Every problem is added to {@code errors} at its position; a snapshot compiled
     * with errors must not be run.
     */
    public static L4Snapshot compile(L4Config config, List<ConfigError> errors) {
        Map<String, ServiceRuntime> services = new LinkedHashMap<>();
        for (ServiceConfig service : config.services().values()) {
            if (!L4_ALGORITHMS.contains(service.balance().algorithm())) {
                errors.add(new ConfigError(service.pos(), "service " + service.name() + ": balance "
                        + service.balance().algorithm().configName() + " needs HTTP; an L4 service balances with "
                        + "roundrobin, leastconn, source, maglev or random"));
            }
            if (service.protocol() == ServiceConfig.Protocol.UDP && service.sendProxy() > 0) {
                errors.add(new ConfigError(service.pos(), "service " + service.name()
                        + ": send-proxy is for TCP services only"));
            }
            if (service.protocol() == ServiceConfig.Protocol.UDP && service.listen().acceptProxy()) {
                errors.add(new ConfigError(service.listen().pos(), "service " + service.name()
                        + ": accept-proxy is for TCP services only"));
            }
            List<Server> servers = new ArrayList<>();
            for (ServerConfig serverConfig : service.servers()) {
                Server server = new Server(service.name(), serverConfig);
                if (server.socketAddress().isUnresolved()) {
                    errors.add(new ConfigError(serverConfig.pos(), "server " + service.name() + "/"
                            + serverConfig.name() + ": cannot resolve host '" + serverConfig.address().host() + "'"));
                }
                servers.add(server);
            }
            services.put(service.name(), new ServiceRuntime(service, servers));
        }
        return new L4Snapshot(Collections.unmodifiableMap(services));
    }

    public L4Snapshot snapshot() {
        return snapshot;
    }

    /** Opens every service's socket; on a failure the ones already open are closed again and it is thrown. */
    public void start() throws IOException {
        try {
            for (RunningService service : running.values()) {
                service.start();
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Where service {@code name} listens (the actual port when {@code listen} gives port 0), null if unknown. */
    public InetSocketAddress localAddress(String name) {
        RunningService service = running.get(name);
        return service == null ? null : service.localAddress();
    }

    /** See {@link L4Snapshot#checkTargets}. */
    public List<CheckTarget> checkTargets() {
        return snapshot.checkTargets();
    }

    /** See {@link L4Snapshot#poolNotifier}. */
    public ServerStateListener poolNotifier() {
        return snapshot.poolNotifier();
    }

    /** Connections (TCP) and flows (UDP) open now, over every service. */
    public int activeConnections() {
        return running.values().stream().mapToInt(RunningService::activeConnections).sum();
    }

    /**
     * Graceful stop: TCP listeners close and UDP services start no new flows; returns when every connection and
     * flow has ended or {@code grace} has passed, with the number still open (which {@link #close} then cuts).
     */
    public int drain(Duration grace) {
        running.values().forEach(RunningService::stopAccepting);
        Deadline deadline = Deadline.after(grace);
        while (activeConnections() > 0 && !deadline.passed()) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return activeConnections();
    }

    /** Closes every socket, connection and flow at once. */
    @Override
    public void close() {
        running.values().forEach(RunningService::closeAll);
    }
}
