package io.tandem.core.health;

import io.netty.channel.SingleThreadEventLoop;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.tandem.core.balance.Server;
import io.tandem.core.net.EventLoops;

import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Owns the health checks of the running config: starts one {@link HealthCheck} per checked server on the shared
 * event loops, fans state changes out to the listeners, and stops every timer on {@link #close}. {@link #apply}
 * brings the checks in line with a recompiled config, keeping those whose target did not change.
 */
public final class HealthChecks implements AutoCloseable {
    private final List<ServerStateListener> listeners = new CopyOnWriteArrayList<>();
    // Servers have identity equality: a server of the same name in a recompile is another key unless reused.
    private final Map<Server, HealthCheck> checks = new ConcurrentHashMap<>();
    // Name lookups block, so they get a thread of their own instead of an event loop; idle unless names are used.
    private final ExecutorService resolver = Executors.newSingleThreadExecutor(
            new DefaultThreadFactory("tandem-check-dns", true));

    /** Adds a listener for every later transition; add them before {@link #start} to miss none. */
    public void addListener(ServerStateListener listener) {
        listeners.add(listener);
    }

    /** Starts checking {@code targets}; each server's checks run on one event loop of {@code loops}. */
    public void start(EventLoops loops, Collection<CheckTarget> targets) {
        for (CheckTarget target : targets) {
            // Every loop of EventLoops is a single-thread one; the check needs that type's after-iteration hook.
            HealthCheck check = new HealthCheck(target, (SingleThreadEventLoop) loops.group().next(),
                    loops.socketChannelClass(), resolver, listeners);
            if (checks.putIfAbsent(target.server(), check) != null) {
                throw new IllegalArgumentException(target.server() + " is checked twice");
            }
            check.start();
        }
    }

    /**
     * Makes {@code targets} the checked servers: a check whose server (the same object), check settings and connect
     * timeout are unchanged runs on (its streak towards UP or DOWN kept), the others are stopped, and the new
     * targets start. A restarted check starts from the server's current state.
     */
    public void apply(EventLoops loops, Collection<CheckTarget> targets) {
        Map<Server, CheckTarget> wanted = new IdentityHashMap<>();
        for (CheckTarget target : targets) {
            if (wanted.put(target.server(), target) != null) {
                throw new IllegalArgumentException(target.server() + " is checked twice");
            }
        }
        for (HealthCheck check : List.copyOf(checks.values())) {
            CheckTarget target = wanted.get(check.server());
            if (target != null && check.checks(target)) {
                wanted.remove(check.server());
            } else {
                checks.remove(check.server(), check);
                check.close();
            }
        }
        start(loops, wanted.values());
    }

    /** The check of {@code server}, or null when it is not checked (then it counts as up). */
    public HealthCheck check(Server server) {
        return checks.get(server);
    }

    /** Every running check. */
    public Collection<HealthCheck> checks() {
        return List.copyOf(checks.values());
    }

    /** Stops every check; probes in flight are dropped and report nothing. */
    @Override
    public void close() {
        checks.values().forEach(HealthCheck::close);
        checks.clear();
        resolver.shutdownNow();
    }
}
