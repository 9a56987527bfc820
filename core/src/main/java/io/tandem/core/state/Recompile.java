package io.tandem.core.state;

import io.tandem.core.balance.Server;
import io.tandem.core.balance.ServerPool;
import io.tandem.core.config.BalanceConfig;
import io.tandem.core.config.CheckConfig;
import io.tandem.core.config.ConfigError;
import io.tandem.core.config.ServerConfig;
import io.tandem.core.config.StickTableConfig;
import io.tandem.core.health.CheckTarget;
import io.tandem.core.stick.StickSchema;
import io.tandem.core.stick.StickTable;
import io.tandem.core.tls.TlsClient;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * One compile of a config against a {@link RuntimeState}: the compilers ask it for every server, pool, table and
 * counter by qualified name and get the live object where the config still names the same thing, a new one
 * otherwise. Nothing live changes until {@link #commit}; a compile with errors is simply dropped.
 *
 * <p>What is reused: a server whose settings (address, weight, backup, maxconn, cookie) are unchanged, with the
 * weight and admin state the runtime API set; a pool whose servers are those very objects, in order, balanced the same way; a table of the same key type and store (its
 * size and expiry follow the config at commit); any counter of the same type. Single-threaded, like a compiler.
 */
public final class Recompile {
    private final RuntimeState state;
    private final Map<StateKey, Object> base;
    private final Map<StateKey, Object> claimed = new LinkedHashMap<>();
    private final List<Runnable> atCommit = new ArrayList<>();
    private final List<CheckTarget> checkTargets = new ArrayList<>();
    private boolean committed;

    Recompile(RuntimeState state, Map<StateKey, Object> base) {
        this.state = state;
        this.base = base;
    }

    /** A compile against no live state, for checking a config ({@code tandem check}); it cannot be committed. */
    public static Recompile standalone() {
        return new Recompile(null, Map.of());
    }

    /** Server {@code config} of backend or service {@code section}. */
    public Server server(Tier tier, String section, ServerConfig config) {
        return server(tier, section, config, null);
    }

    /**
     * Server {@code config} of backend {@code section}, speaking TLS with {@code tls} (null: plain text) from the
     * commit on, whether the server is reused or new.
     */
    public Server server(Tier tier, String section, ServerConfig config, TlsClient tls) {
        StateKey key = new StateKey(StateKey.Kind.SERVER, tier, section + "/" + config.name());
        Server server = claimed(key, Server.class);
        if (server != null) {
            return server;
        }
        Server old = existing(key, Server.class);
        if (old != null && old.hasSettings(config)) {
            server = old;
        } else {
            Server fresh = new Server(section, config);
            if (old != null) {
                atCommit.add(() -> fresh.inherit(old));
            }
            server = fresh;
        }
        Server installed = server;
        atCommit.add(() -> installed.tls(tls));
        claimed.put(key, server);
        return server;
    }

    /** The pool of backend or service {@code section}: {@code servers} (from {@link #server}) balanced by {@code balance}. */
    public ServerPool pool(Tier tier, String section, BalanceConfig balance, List<Server> servers) {
        StateKey key = new StateKey(StateKey.Kind.POOL, tier, section);
        ServerPool old = existing(key, ServerPool.class);
        ServerPool pool;
        if (old != null && old.sameAs(balance, servers)) {
            pool = old;
        } else {
            ServerPool fresh = ServerPool.create(balance, servers);
            if (old != null) {
                atCommit.add(() -> old.retireInto(fresh));
            }
            pool = fresh;
        }
        claimed.put(key, pool);
        return pool;
    }

    /**
     * The stick table {@code key} ({@code frontend/NAME}, {@code backend/NAME}) named {@code name} in rules, as
     * {@code config} describes it; bad {@code store} items are reported to {@code errors}.
     */
    public StickTable table(Tier tier, String key, String name, StickTableConfig config, List<ConfigError> errors) {
        StateKey stateKey = new StateKey(StateKey.Kind.TABLE, tier, key);
        StickSchema schema = StickSchema.parse(config.store(), errors);
        StickTable old = existing(stateKey, StickTable.class);
        StickTable table;
        if (old != null && old.sameKind(config, schema)) {
            atCommit.add(() -> old.reconfigure(config.size(), config.expire()));
            table = old;
        } else {
            table = StickTable.create(name, config, schema);
        }
        claimed.put(stateKey, table);
        return table;
    }

    /** Counters (or other live data) of {@code type} filed under {@code key}: the existing ones, else {@code create}'s. */
    public <T> T shared(Tier tier, String key, Class<T> type, Supplier<T> create) {
        StateKey stateKey = new StateKey(StateKey.Kind.SHARED, tier, key);
        T value = claimed(stateKey, type);
        if (value == null) {
            value = existing(stateKey, type);
        }
        if (value == null) {
            value = create.get();
        }
        claimed.put(stateKey, value);
        return value;
    }

    /** Health-checks {@code server} with {@code check} once committed, each connect bounded by {@code connectTimeout}. */
    public void check(Server server, CheckConfig check, Duration connectTimeout) {
        checkTargets.add(new CheckTarget(server, check, connectTimeout));
    }

    /**
     * Installs this compile as the live state: see {@link RuntimeState}. Throws when the compile is standalone, was
     * committed already, or another commit came first (the compile then saw stale state).
     */
    public void commit() {
        if (state == null) {
            throw new IllegalStateException("a standalone compile cannot be committed");
        }
        if (committed) {
            throw new IllegalStateException("this compile was committed already");
        }
        state.commit(this);
        committed = true;
    }

    Map<StateKey, Object> base() {
        return base;
    }

    Map<StateKey, Object> claimed() {
        return claimed;
    }

    List<CheckTarget> checkTargets() {
        return checkTargets;
    }

    /** Applies what reuse and replacement defer to the commit. */
    void install() {
        atCommit.forEach(Runnable::run);
    }

    private <T> T claimed(StateKey key, Class<T> type) {
        Object value = claimed.get(key);
        return type.isInstance(value) ? type.cast(value) : null;
    }

    private <T> T existing(StateKey key, Class<T> type) {
        Object value = base.get(key);
        return type.isInstance(value) ? type.cast(value) : null;
    }
}
