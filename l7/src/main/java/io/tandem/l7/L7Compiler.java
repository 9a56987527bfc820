package io.tandem.l7;

import io.tandem.core.balance.Server;
import io.tandem.core.balance.ServerPool;
import io.tandem.core.config.BackendConfig;
import io.tandem.core.config.ConfigError;
import io.tandem.core.config.FrontendConfig;
import io.tandem.core.config.Located;
import io.tandem.core.config.ServerConfig;
import io.tandem.core.config.StickTableConfig;
import io.tandem.core.config.TandemConfig;
import io.tandem.l7.acl.AclSet;
import io.tandem.l7.proxy.BackendRuntime;
import io.tandem.l7.proxy.FrontendRuntime;
import io.tandem.l7.proxy.L7Snapshot;
import io.tandem.l7.rules.RequestRules;
import io.tandem.l7.rules.ResponseRules;
import io.tandem.l7.rules.UseBackendRule;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a loaded config into the immutable snapshot the data path runs on: resolves server addresses, builds
 * pools and balancers, compiles ACLs and rules. Every problem is added to the error list at its position;
 * a snapshot compiled with errors must not be run.
 */
public final class L7Compiler {
    private L7Compiler() {
    }

    public static L7Snapshot compile(TandemConfig config, List<ConfigError> errors) {
        Map<String, BackendRuntime> backends = new LinkedHashMap<>();
        for (BackendConfig backend : config.l7().backends().values()) {
            backends.put(backend.name(), compileBackend(backend, errors));
        }
        Map<String, FrontendRuntime> frontends = new LinkedHashMap<>();
        for (FrontendConfig frontend : config.l7().frontends().values()) {
            frontends.put(frontend.name(), compileFrontend(frontend, backends, errors));
        }
        return new L7Snapshot(Map.copyOf(frontends), Map.copyOf(backends));
    }

    private static BackendRuntime compileBackend(BackendConfig backend, List<ConfigError> errors) {
        rejectStickTable(backend.stickTable(), errors);
        if (backend.stickOn() != null) {
            errors.add(new ConfigError(backend.stickOn().pos(), "stick-on is not supported yet"));
        }
        List<Server> servers = new ArrayList<>();
        for (ServerConfig serverConfig : backend.servers()) {
            Server server = new Server(backend.name(), serverConfig);
            if (server.socketAddress().isUnresolved()) {
                errors.add(new ConfigError(serverConfig.pos(), "server " + backend.name() + "/" + serverConfig.name()
                        + ": cannot resolve host '" + serverConfig.address().host() + "'"));
            }
            servers.add(server);
        }
        AclSet acls = AclSet.compile(backend.acls(), errors);
        return new BackendRuntime(backend, ServerPool.create(backend.balance(), servers),
                RequestRules.compile(backend.httpRequest(), acls, errors),
                ResponseRules.compile(backend.httpResponse(), acls, errors));
    }

    private static FrontendRuntime compileFrontend(FrontendConfig frontend, Map<String, BackendRuntime> backends,
                                                   List<ConfigError> errors) {
        rejectStickTable(frontend.stickTable(), errors);
        AclSet acls = AclSet.compile(frontend.acls(), errors);
        List<UseBackendRule> useBackend = new ArrayList<>();
        for (Located<String> line : frontend.useBackend()) {
            UseBackendRule rule = UseBackendRule.compile(line, acls, errors);
            if (rule != null) {
                useBackend.add(rule);
            }
        }
        return new FrontendRuntime(frontend, RequestRules.compile(frontend.httpRequest(), acls, errors),
                ResponseRules.compile(frontend.httpResponse(), acls, errors), useBackend, backends);
    }

    private static void rejectStickTable(StickTableConfig table, List<ConfigError> errors) {
        if (table != null) {
            errors.add(new ConfigError(table.pos(), "stick-table is not supported yet"));
        }
    }
}
