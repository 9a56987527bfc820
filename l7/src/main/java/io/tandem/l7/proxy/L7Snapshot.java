package io.tandem.l7.proxy;

import io.tandem.core.stick.StickTable;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A compiled L7 configuration, what the data path reads: frontends and backends by name, with their routes, rules,
 * ACLs, balancing and timeouts. Immutable; the servers, pools and stick tables it points at belong to the
 * {@link io.tandem.core.state.RuntimeState} it was compiled against and outlive it.
 */
public record L7Snapshot(Map<String, FrontendRuntime> frontends, Map<String, BackendRuntime> backends) {

    /** The runtime-state name of a section's stick table: {@code frontend/NAME} or {@code backend/NAME}. */
    public static String tableKey(String kind, String section) {
        return kind + "/" + section;
    }

    /**
     * Every stick table, frontends' then backends', each under its runtime-state name ({@link #tableKey}): what
     * the cluster replicates and the runtime API shows.
     */
    public Map<String, StickTable> stickTables() {
        Map<String, StickTable> tables = new LinkedHashMap<>();
        frontends.values().stream().filter(f -> f.stickTable() != null).sorted(Comparator.comparing(FrontendRuntime::name))
                .forEach(f -> tables.put(tableKey("frontend", f.name()), f.stickTable()));
        backends.values().stream().filter(b -> b.stickTable() != null).sorted(Comparator.comparing(BackendRuntime::name))
                .forEach(b -> tables.put(tableKey("backend", b.name()), b.stickTable()));
        return tables;
    }
}
