package io.tandem.l7.proxy;

import io.tandem.core.balance.Server;
import io.tandem.core.health.CheckTarget;
import io.tandem.core.health.ServerStateListener;
import io.tandem.core.stick.StickTable;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** An immutable, compiled L7 configuration: what the data path reads. Frontends and backends by name. */
public record L7Snapshot(Map<String, FrontendRuntime> frontends, Map<String, BackendRuntime> backends) {

    /** Every server of a backend that has a {@code check}, with how to check it. */
    public List<CheckTarget> checkTargets() {
        List<CheckTarget> targets = new ArrayList<>();
        for (BackendRuntime backend : backends.values()) {
            if (backend.config().check() != null) {
                for (Server server : backend.servers()) {
                    targets.add(new CheckTarget(server, backend.config().check(), backend.config().timeout().connect()));
                }
            }
        }
        return targets;
    }

    /**
     * Every stick table, frontends' then backends', each under its section's name with {@code frontend/} or
     * {@code backend/} before it, so that a frontend and a backend of the same name keep their tables apart.
     */
    public Map<String, StickTable> stickTables() {
        Map<String, StickTable> tables = new LinkedHashMap<>();
        frontends.values().stream().filter(f -> f.stickTable() != null).sorted(java.util.Comparator.comparing(FrontendRuntime::name))
                .forEach(f -> tables.put("frontend/" + f.name(), f.stickTable()));
        backends.values().stream().filter(b -> b.stickTable() != null).sorted(java.util.Comparator.comparing(BackendRuntime::name))
                .forEach(b -> tables.put("backend/" + b.name(), b.stickTable()));
        return tables;
    }

    /** Tells a server's pool about its health transitions, so queued requests move at once. */
    public ServerStateListener poolNotifier() {
        return (server, up, reason) -> {
            BackendRuntime backend = backends.get(server.backend());
            if (backend != null) {
                backend.pool().serverStateChanged(server);
            }
        };
    }
}
