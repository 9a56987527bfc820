package io.tandem.l4;

import io.tandem.core.balance.Server;
import io.tandem.core.config.BalanceConfig;
import io.tandem.core.config.ConfigError;
import io.tandem.core.config.L4Config;
import io.tandem.core.config.ServerConfig;
import io.tandem.core.config.ServiceConfig;
import io.tandem.core.metrics.CounterKeys;
import io.tandem.core.state.Recompile;
import io.tandem.core.state.Tier;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns the {@code l4} block into the immutable snapshot the L4 data path runs on: checks what an L4 service
 * cannot do, and takes its servers (addresses resolved here, on the control path), pool, counters and health
 * checks from a {@link Recompile} of the runtime state, so what the config still names keeps its live state.
 * Every problem is added to the error list at its position; a snapshot compiled with errors must not be run.
 */
public final class L4Compiler {
    private static final Set<BalanceConfig.Algorithm> L4_ALGORITHMS = EnumSet.of(BalanceConfig.Algorithm.ROUNDROBIN,
            BalanceConfig.Algorithm.LEASTCONN, BalanceConfig.Algorithm.SOURCE, BalanceConfig.Algorithm.MAGLEV,
            BalanceConfig.Algorithm.RANDOM);

    private L4Compiler() {
    }

    /** Compiles {@code config} on its own, to check it: nothing is kept and nothing can run. */
    public static L4Snapshot compile(L4Config config, List<ConfigError> errors) {
        return compile(config, errors, Recompile.standalone());
    }

    /** Compiles {@code config} against the runtime state {@code state} is a compile of. */
    public static L4Snapshot compile(L4Config config, List<ConfigError> errors, Recompile state) {
        Map<String, ServiceRuntime> services = new LinkedHashMap<>();
        for (ServiceConfig service : config.services().values()) {
            check(service, errors);
            List<Server> servers = new ArrayList<>();
            Map<Server, L4Counters> serverCounters = new IdentityHashMap<>();
            for (ServerConfig serverConfig : service.servers()) {
                Server server = state.server(Tier.L4, service.name(), serverConfig);
                if (server.socketAddress().isUnresolved()) {
                    errors.add(new ConfigError(serverConfig.pos(), "server " + service.name() + "/"
                            + serverConfig.name() + ": cannot resolve host '" + serverConfig.address().host() + "'"));
                }
                servers.add(server);
                serverCounters.put(server, state.shared(Tier.L4, CounterKeys.server(server.qualifiedName()),
                        L4Counters.class, L4Counters::new));
            }
            ServiceRuntime runtime = new ServiceRuntime(service,
                    state.pool(Tier.L4, service.name(), service.balance(), servers),
                    state.shared(Tier.L4, CounterKeys.service(service.name()), L4Counters.class, L4Counters::new),
                    serverCounters);
            if (service.check() != null) {
                // TCP or UDP service alike: the check is TCP or HTTP on the server's address.
                for (Server server : servers) {
                    state.check(server, service.check(), runtime.timeouts().connect());
                }
            }
            services.put(service.name(), runtime);
        }
        return new L4Snapshot(Collections.unmodifiableMap(services));
    }

    private static void check(ServiceConfig service, List<ConfigError> errors) {
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
    }
}
