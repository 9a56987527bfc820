package io.tandem.l7;

import io.tandem.core.balance.Server;
import io.tandem.core.config.BackendConfig;
import io.tandem.core.config.BindConfig;
import io.tandem.core.config.HostPort;
import io.tandem.core.config.ConfigError;
import io.tandem.core.config.FrontendConfig;
import io.tandem.core.config.Located;
import io.tandem.core.config.ServerConfig;
import io.tandem.core.config.StickTableConfig;
import io.tandem.core.config.TandemConfig;
import io.tandem.core.metrics.CounterKeys;
import io.tandem.core.metrics.HttpCounters;
import io.tandem.core.state.Recompile;
import io.tandem.core.state.Tier;
import io.tandem.core.stick.StickTable;
import io.tandem.core.tls.TlsClient;
import io.tandem.l7.acl.AclSet;
import io.tandem.l7.acl.StickScope;
import io.tandem.l7.proxy.BackendRuntime;
import io.tandem.l7.proxy.FrontendRuntime;
import io.tandem.l7.proxy.L7Snapshot;
import io.tandem.l7.proxy.StickOn;
import io.tandem.l7.rules.HttpRules;
import io.tandem.l7.rules.UseBackendRule;
import io.tandem.l7.tls.TlsTerminator;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns a loaded config into the immutable snapshot the data path runs on: compiles ACLs, rules, routing and
 * {@code stick-on}, and takes the servers (addresses resolved), pools and stick tables they use from a
 * {@link Recompile} of the runtime state, so what the config still names keeps its live state. Every problem is
 * added to the error list at its position; a snapshot compiled with errors must not be run (nor its compile
 * committed).
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

    /** Compiles {@code config} on its own, to check it: nothing is kept and nothing can run. */
    public static L7Snapshot compile(TandemConfig config, List<ConfigError> errors) {
        return compile(config, errors, Recompile.standalone());
    }

    /** Compiles the {@code l7} block of {@code config} against the runtime state {@code state} is a compile of. */
    public static L7Snapshot compile(TandemConfig config, List<ConfigError> errors, Recompile state) {
        Tables tables = stickTables(config, errors, state);
        Map<String, BackendRuntime> backends = new LinkedHashMap<>();
        for (BackendConfig backend : config.l7().backends().values()) {
            backends.put(backend.name(), compileBackend(backend, tables, errors, state));
        }
        Map<String, FrontendRuntime> frontends = new LinkedHashMap<>();
        for (FrontendConfig frontend : config.l7().frontends().values()) {
            frontends.put(frontend.name(), compileFrontend(frontend, backends, tables, errors, state));
        }
        return new L7Snapshot(Map.copyOf(frontends), Map.copyOf(backends));
    }

    /** Creates the tables first, so that any section's rules may name any table. */
    private static Tables stickTables(TandemConfig config, List<ConfigError> errors, Recompile state) {
        Map<String, StickTable> frontends = new LinkedHashMap<>();
        Map<String, StickTable> backends = new LinkedHashMap<>();
        for (FrontendConfig frontend : config.l7().frontends().values()) {
            addTable(frontends, "frontend", frontend.name(), frontend.stickTable(), errors, state);
        }
        for (BackendConfig backend : config.l7().backends().values()) {
            addTable(backends, "backend", backend.name(), backend.stickTable(), errors, state);
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

    /** The section's table, filed in the runtime state as {@code frontend/NAME} or {@code backend/NAME}. */
    private static void addTable(Map<String, StickTable> tables, String kind, String name, StickTableConfig config,
                                 List<ConfigError> errors, Recompile state) {
        if (config != null) {
            tables.put(name, state.table(Tier.L7, L7Snapshot.tableKey(kind, name), name, config, errors));
        }
    }

    private static BackendRuntime compileBackend(BackendConfig backend, Tables tables, List<ConfigError> errors,
                                                 Recompile state) {
        List<Server> servers = new ArrayList<>();
        Map<Server, HttpCounters> serverCounters = new IdentityHashMap<>();
        for (ServerConfig serverConfig : backend.servers()) {
            TlsClient tls = serverConfig.ssl() == null ? null : TlsClient.compile(serverConfig.ssl(),
                    serverConfig.address(), "server " + backend.name() + "/" + serverConfig.name(), errors);
            Server server = state.server(Tier.L7, backend.name(), serverConfig, tls);
            if (server.socketAddress().isUnresolved()) {
                errors.add(new ConfigError(serverConfig.pos(), "server " + backend.name() + "/" + serverConfig.name()
                        + ": cannot resolve host '" + serverConfig.address().host() + "'"));
            }
            servers.add(server);
            serverCounters.put(server, counters(state, CounterKeys.server(server.qualifiedName())));
            if (backend.check() != null) {
                state.check(server, backend.check(), backend.timeout().connect());
            }
        }
        StickTable table = tables.backends().get(backend.name());
        StickScope stick = tables.scope("backend '" + backend.name() + "'", table);
        AclSet acls = AclSet.compile(backend.acls(), stick, errors);
        HttpRules requestRules = HttpRules.compileRequest(backend.httpRequest(), acls, errors);
        HttpRules responseRules = HttpRules.compileResponse(backend.httpResponse(), acls, errors);
        StickOn stickOn = backend.stickOn() == null ? null : StickOn.compile(backend.stickOn(), acls, errors);
        stick.check(errors);
        return new BackendRuntime(backend, state.pool(Tier.L7, backend.name(), backend.balance(), servers),
                requestRules, responseRules, table, stickOn, counters(state, CounterKeys.backend(backend.name())),
                serverCounters);
    }

    private static HttpCounters counters(Recompile state, String key) {
        return state.shared(Tier.L7, key, HttpCounters.class, HttpCounters::new);
    }

    private static FrontendRuntime compileFrontend(FrontendConfig frontend, Map<String, BackendRuntime> backends,
                                                   Tables tables, List<ConfigError> errors, Recompile state) {
        StickTable table = tables.frontends().get(frontend.name());
        StickScope stick = tables.scope("frontend '" + frontend.name() + "'", table);
        AclSet acls = AclSet.compile(frontend.acls(), stick, errors);
        HttpRules requestRules = HttpRules.compileRequest(frontend.httpRequest(), acls, errors);
        HttpRules responseRules = HttpRules.compileResponse(frontend.httpResponse(), acls, errors);
        List<UseBackendRule> useBackend = new ArrayList<>();
        for (Located<String> line : frontend.useBackend()) {
            UseBackendRule rule = UseBackendRule.compile(line, acls, errors);
            if (rule != null) {
                useBackend.add(rule);
            }
        }
        stick.check(errors);
        Map<HostPort, TlsTerminator> tls = new LinkedHashMap<>();
        for (BindConfig bind : frontend.binds()) {
            TlsTerminator terminator = bind.tls() == null ? null : TlsTerminator.compile(bind.tls(), errors);
            if (terminator != null) {
                tls.put(bind.address(), terminator);
            }
        }
        return new FrontendRuntime(frontend, requestRules, responseRules, useBackend, backends, table,
                counters(state, CounterKeys.frontend(frontend.name())), tls);
    }
}
