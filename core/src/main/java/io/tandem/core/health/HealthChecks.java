package io.tandem.core.health;

import io.netty.channel.SingleThreadEventLoop;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.tandem.core.balance.Server;
import io.tandem.core.net.EventLoops;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Owns the health checks of a runtime snapshot: starts one {@link HealthCheck} per checked server on the shared
 * event loops, fans state changes out to the listeners, and stops every timer on {@link #close}.
 */
public final class HealthChecks implements AutoCloseable {
    private final List<ServerStateListener> listeners = new CopyOnWriteArrayList<>();
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
