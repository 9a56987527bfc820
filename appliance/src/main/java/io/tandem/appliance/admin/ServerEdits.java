package io.tandem.appliance.admin;

import io.tandem.core.config.BackendConfig;
import io.tandem.core.config.L4Config;
import io.tandem.core.config.L7Config;
import io.tandem.core.config.ServerConfig;
import io.tandem.core.config.ServiceConfig;
import io.tandem.core.config.TandemConfig;
import io.tandem.core.state.Tier;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * The running config with one section's server list changed, for {@code add server} and {@code del server}: the
 * daemon compiles it against the live state like any config, so the servers that stay keep their health,
 * counters and connections, and the pool is rebuilt around the new list. Like HAProxy's dynamic servers, such a
 * change lives until the next reload from the file.
 */
final class ServerEdits {
    private ServerEdits() {
    }

    /** {@code config} with {@code server} appended to {@code section} of {@code tier}. */
    static TandemConfig add(TandemConfig config, Tier tier, String section, ServerConfig server) {
        return edit(config, tier, section, servers -> {
            List<ServerConfig> more = new ArrayList<>(servers);
            more.add(server);
            return more;
        });
    }

    /** {@code config} without server {@code name} of {@code section} of {@code tier}. */
    static TandemConfig remove(TandemConfig config, Tier tier, String section, String name) {
        return edit(config, tier, section, servers -> servers.stream().filter(s -> !s.name().equals(name)).toList());
    }

    /**
     * How {@code add server} describes {@code server}, its arguments after the name ({@code 10.0.0.5:8080 weight 2
     * backup}): what a peer is sent to create the same server.
     */
    static String options(ServerConfig server) {
        return server.address() + " weight " + server.weight() + (server.backup() ? " backup" : "");
    }

    /** Server {@code name} of {@code section} of {@code tier} in {@code config}; null when there is none. */
    static ServerConfig find(TandemConfig config, Tier tier, String section, String name) {
        List<ServerConfig> servers;
        if (tier == Tier.L7) {
            BackendConfig backend = config.l7().backends().get(section);
            servers = backend == null ? List.of() : backend.servers();
        } else {
            ServiceConfig service = config.l4().services().get(section);
            servers = service == null ? List.of() : service.servers();
        }
        return servers.stream().filter(s -> s.name().equals(name)).findFirst().orElse(null);
    }

    private static TandemConfig edit(TandemConfig config, Tier tier, String section,
                                     UnaryOperator<List<ServerConfig>> change) {
        if (tier == Tier.L7) {
            Map<String, BackendConfig> backends = new LinkedHashMap<>(config.l7().backends());
            BackendConfig b = backends.get(section);
            backends.put(section, new BackendConfig(b.name(), b.balance(), b.cookie(), b.check(),
                    List.copyOf(change.apply(b.servers())), b.acls(), b.httpRequest(), b.httpResponse(), b.timeout(),
                    b.retries(), b.stickTable(), b.stickOn(), b.compression(), b.pos()));
            return new TandemConfig(config.source(), config.global(), config.defaults(),
                    new L7Config(config.l7().frontends(), backends), config.l4(), config.vrrp(), config.cluster(),
                    config.admin());
        }
        Map<String, ServiceConfig> services = new LinkedHashMap<>(config.l4().services());
        ServiceConfig s = services.get(section);
        services.put(section, new ServiceConfig(s.name(), s.listen(), s.protocol(), s.balance(), s.sendProxy(),
                s.splice(), s.check(), List.copyOf(change.apply(s.servers())), s.timeout(), s.maxconn(), s.retries(),
                s.pos()));
        return new TandemConfig(config.source(), config.global(), config.defaults(), config.l7(),
                new L4Config(services), config.vrrp(), config.cluster(), config.admin());
    }
}
