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
import io.tandem.core.stick.StickSchema;
import io.tandem.core.stick.StickTable;
import io.tandem.l7.acl.AclSet;
import io.tandem.l7.acl.StickScope;
import io.tandem.l7.proxy.BackendRuntime;
import io.tandem.l7.proxy.FrontendRuntime;
import io.tandem.l7.proxy.L7Snapshot;
import io.tandem.l7.proxy.StickOn;
import io.tandem.l7.rules.RequestRules;
import io.tandem.l7.rules.ResponseRules;
import io.tandem.l7.rules.UseBackendRule;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns a loaded config into the immutable snapshot the data path runs on: resolves server addresses, builds
 * pools and balancers, creates stick tables, compiles ACLs, rules and {@code stick-on}. Every problem is added
 * to the error list at its position; a snapshot compiled with errors must not be run.
 */
public final class L7Compiler {
    private L7Compiler() {
    }

    /** Every section's stick table: by frontend, by backend, and by name for {@code table NAME}. */
    private record Tables(Map<String, StickTable> frontends, Map<String, StickTable> backends,
                          Map<String, StickTable> named, Set<String> ambiguous) {

        StickScope scope(String section, StickTable own) {
            return new StickScope(section, own, named, ambiguous);
        }
    }

    public static L7Snapshot compile(TandemConfig config, List<ConfigError> errors) {
        Tables tables = stickTables(config, errors);
        Map<String, BackendRuntime> backends = new LinkedHashMap<>();
        for (BackendConfig backend : config.l7().backends().values()) {
            backends.put(backend.name(), compileBackend(backend, tables, errors));
        }
        Map<String, FrontendRuntime> frontends = new LinkedHashMap<>();
        for (FrontendConfig frontend : config.l7().frontends().values()) {
            frontends.put(frontend.name(), compileFrontend(frontend, backends, tables, errors));
        }
        return new L7Snapshot(Map.copyOf(frontends), Map.copyOf(backends));
    }

    /** Creates the tables first, so that any section's rules may name any table. */
    private static Tables stickTables(TandemConfig config, List<ConfigError> errors) {
        Map<String, StickTable> frontends = new LinkedHashMap<>();
        Map<String, StickTable> backends = new LinkedHashMap<>();
        for (FrontendConfig frontend : config.l7().frontends().values()) {
            addTable(frontends, frontend.name(), frontend.stickTable(), errors);
        }
        for (BackendConfig backend : config.l7().backends().values()) {
            addTable(backends, backend.name(), backend.stickTable(), errors);
        }
        Map<String, StickTable> named = new LinkedHashMap<>(frontends);
        Set<String> ambiguous = new HashSet<>();
        backends.forEach((name, table) -> {
            if (named.putIfAbsent(name, table) != null) {
                ambiguous.add(name);
            }
        });
        return new Tables(frontends, backends, named, ambiguous);
    }

    private static void addTable(Map<String, StickTable> tables, String name, StickTableConfig config,
                                 List<ConfigError> errors) {
        if (config != null) {
            tables.put(name, StickTable.create(name, config, StickSchema.parse(config.store(), errors)));
        }
    }

    private static BackendRuntime compileBackend(BackendConfig backend, Tables tables, List<ConfigError> errors) {
        List<Server> servers = new ArrayList<>();
        for (ServerConfig serverConfig : backend.servers()) {
            Server server = new Server(backend.name(), serverConfig);
            if (server.socketAddress().isUnresolved()) {
                errors.add(new ConfigError(serverConfig.pos(), "server " + backend.name() + "/" + serverConfig.name()
                        + ": cannot resolve host '" + serverConfig.address().host() + "'"));
            }
            servers.add(server);
        }
        StickTable table = tables.backends().get(backend.name());
        StickScope stick = tables.scope("backend '" + backend.name() + "'", table);
        AclSet acls = AclSet.compile(backend.acls(), stick, errors);
        RequestRules requestRules = RequestRules.compile(backend.httpRequest(), acls, errors);
        ResponseRules responseRules = ResponseRules.compile(backend.httpResponse(), acls, errors);
        StickOn stickOn = backend.stickOn() == null ? null : StickOn.compile(backend.stickOn(), acls, errors);
        stick.check(errors);
        return new BackendRuntime(backend, ServerPool.create(backend.balance(), servers), requestRules, responseRules,
                table, stickOn);
    }

    private static FrontendRuntime compileFrontend(FrontendConfig frontend, Map<String, BackendRuntime> backends,
                                                   Tables tables, List<ConfigError> errors) {
        StickTable table = tables.frontends().get(frontend.name());
        StickScope stick = tables.scope("frontend '" + frontend.name() + "'", table);
        AclSet acls = AclSet.compile(frontend.acls(), stick, errors);
        RequestRules requestRules = RequestRules.compile(frontend.httpRequest(), acls, errors);
        ResponseRules responseRules = ResponseRules.compile(frontend.httpResponse(), acls, errors);
        List<UseBackendRule> useBackend = new ArrayList<>();
        for (Located<String> line : frontend.useBackend()) {
            UseBackendRule rule = UseBackendRule.compile(line, acls, errors);
            if (rule != null) {
                useBackend.add(rule);
            }
        }
        stick.check(errors);
        return new FrontendRuntime(frontend, requestRules, responseRules, useBackend, backends, table);
    }
}
