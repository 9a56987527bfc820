package io.tandem.core.balance;

import io.tandem.core.log.SocketFailureLog;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The servers of one L7 backend or L4 service as the data path uses them: the pool, the traffic counters of the
 * whole and of each server ({@code C}, the tier's kind; live state kept across recompiles), and the log of failed
 * connects to them. Each tier's compiled section adds its own policy.
 */
public abstract class ServerGroup<C> {
    private final String kind;
    private final String name;
    private final ServerPool pool;
    private final C counters;
    private final Map<Server, C> serverCounters;
    private final SocketFailureLog connectFailures;

    /**
     * Section {@code name} of {@code kind} ({@code backend}, {@code service}), counting into {@code counters} and,
     * per server of {@code pool}, {@code serverCounters}.
     */
    protected ServerGroup(String kind, String name, ServerPool pool, C counters, Map<Server, C> serverCounters) {
        this.kind = kind;
        this.name = name;
        this.pool = pool;
        this.counters = counters;
        this.serverCounters = Collections.unmodifiableMap(new IdentityHashMap<>(serverCounters));
        this.connectFailures = new SocketFailureLog(kind + " " + name);
    }

    public final String name() {
        return name;
    }

    public final ServerPool pool() {
        return pool;
    }

    public final List<Server> servers() {
        return pool.servers();
    }

    /** The section's own counters: every connection, flow or request it took. */
    public final C counters() {
        return counters;
    }

    /** The counters of {@code server}, one of this section's; null for another's. */
    public final C counters(Server server) {
        return serverCounters.get(server);
    }

    /** Failed connects to this section's servers, logged as bursts. */
    public final SocketFailureLog connectFailures() {
        return connectFailures;
    }

    @Override
    public String toString() {
        return kind + " " + name;
    }
}
