package io.tandem.core.state;

import io.tandem.core.balance.Server;
import io.tandem.core.balance.ServerPool;
import io.tandem.core.health.HealthChecks;
import io.tandem.core.net.EventLoops;
import io.tandem.core.stick.StickTable;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * The live state of the running config, which outlives any one compile: servers (health, drain, connection
 * counts), their pools (queues, balancer positions), stick tables (entries), counters and the health checks, each
 * filed under its tier and qualified name ({@code backend/server}, {@code service/server}, the table's name).
 *
 * <p>A config is compiled against it with a {@link Recompile}, which reuses what the config still names the same
 * way and builds the rest, touching nothing live; {@link Recompile#commit} then installs the result: replaced
 * servers take over their predecessors' health, kept tables take their new size and expiry, replaced pools hand
 * their waiters over, the health checks follow the new servers, and what the config no longer names is retired.
 * Compiled snapshots point at these objects but never own them.
 */
public final class RuntimeState implements AutoCloseable {
    private final EventLoops loops;
    private final HealthChecks checks = new HealthChecks();
    private volatile Installed installed = Installed.EMPTY;
    private final java.util.List<Runnable> commitListeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** What the last commit installed: every object by key, and each server's current pool. */
    record Installed(Map<StateKey, Object> objects, Map<Server, ServerPool> poolOf) {
        static final Installed EMPTY = new Installed(Map.of(), Map.of());
    }

    /** An empty state whose health checks run on {@code loops}. */
    public RuntimeState(EventLoops loops) {
        this.loops = loops;
        // Matched by identity: a server of an L4 service never reaches an L7 backend's pool of the same name.
        checks.addListener((server, up, reason) -> {
            ServerPool pool = installed.poolOf().get(server);
            if (pool != null) {
                pool.serverStateChanged(server);
            }
        });
    }

    /** Starts compiling a config against the state as it is now. */
    public Recompile recompile() {
        return new Recompile(this, installed.objects());
    }

    synchronized void commit(Recompile compiled) {
        if (compiled.base() != installed.objects()) {
            throw new IllegalStateException("the runtime state changed since this compile began; compile again");
        }
        compiled.install();
        Map<Server, ServerPool> poolOf = new IdentityHashMap<>();
        for (Object object : compiled.claimed().values()) {
            if (object instanceof ServerPool pool) {
                for (Server server : pool.servers()) {
                    poolOf.put(server, pool);
                }
            }
        }
        installed = new Installed(Map.copyOf(compiled.claimed()), Collections.unmodifiableMap(poolOf));
        checks.apply(loops, compiled.checkTargets());
        for (Runnable listener : commitListeners) {
            listener.run();
        }
    }

    /** Runs {@code listener} after each commit (on the committing thread), e.g. to follow tables a reload added. */
    public void onCommit(Runnable listener) {
        commitListeners.add(listener);
    }

    /**
     * Every committed stick table by {@code TIER NAME} ({@code l7 frontend/web}): the name a copy of the table on
     * another node is found by.
     */
    public Map<String, StickTable> tables() {
        Map<String, StickTable> tables = new java.util.TreeMap<>();
        installed.objects().forEach((key, object) -> {
            if (key.kind() == StateKey.Kind.TABLE && object instanceof StickTable table) {
                tables.put(key.tier().name().toLowerCase(java.util.Locale.ROOT) + " " + key.name(), table);
            }
        });
        return tables;
    }

    /** The health checks of the committed servers (their last results, for the stats page and tests). */
    public HealthChecks healthChecks() {
        return checks;
    }

    /** The committed server {@code section/name} of {@code tier}, or null. */
    public Server server(Tier tier, String section, String name) {
        return (Server) installed.objects().get(new StateKey(StateKey.Kind.SERVER, tier, section + "/" + name));
    }

    /** The committed pool of backend or service {@code section} of {@code tier}, or null. */
    public ServerPool pool(Tier tier, String section) {
        return (ServerPool) installed.objects().get(new StateKey(StateKey.Kind.POOL, tier, section));
    }

    /** The committed stick table {@code name} of {@code tier} (e.g. {@code frontend/web}), or null. */
    public StickTable table(Tier tier, String name) {
        return (StickTable) installed.objects().get(new StateKey(StateKey.Kind.TABLE, tier, name));
    }

    /**
     * The committed counters (or other live data) of {@code type} filed under {@code key} in {@code tier} (names
     * from {@code io.tandem.core.metrics.CounterKeys}), or null.
     */
    public <T> T shared(Tier tier, String key, Class<T> type) {
        Object value = installed.objects().get(new StateKey(StateKey.Kind.SHARED, tier, key));
        return type.isInstance(value) ? type.cast(value) : null;
    }

    /** Stops every health check. */
    @Override
    public void close() {
        checks.close();
    }
}
