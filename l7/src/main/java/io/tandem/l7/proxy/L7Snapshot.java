package io.tandem.l7.proxy;

import io.netty.handler.ssl.SslContext;
import io.tandem.core.config.ConfigError;
import io.tandem.core.stick.StickTable;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
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

    /** Every TLS context of every bind: what the session-ticket keys go to. */
    public List<SslContext> tlsContexts() {
        List<SslContext> contexts = new ArrayList<>();
        frontends.values().forEach(f -> f.tlsTerminators().forEach(t -> contexts.addAll(t.contexts())));
        return contexts;
    }

    /** What compiled but deserves the operator's look (certificates expired or not valid yet), by position. */
    public List<ConfigError> warnings() {
        List<ConfigError> warnings = new ArrayList<>();
        frontends.values().forEach(f -> f.tlsTerminators().forEach(t -> warnings.addAll(t.warnings())));
        warnings.sort(Comparator.comparing((ConfigError w) -> w.pos().line()).thenComparing(w -> w.pos().column()));
        return warnings;
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
