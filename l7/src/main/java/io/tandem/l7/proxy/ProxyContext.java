package io.tandem.l7.proxy;

import io.netty.channel.Channel;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What every connection of the proxy shares: the current snapshot, upstream connections, the access log,
 * counters, drain state.
 */
final class ProxyContext {
    private final Upstreams upstreams;
    private final AccessLog accessLog;
    private final Set<ClientConnection> connections = ConcurrentHashMap.newKeySet();
    private final AtomicInteger activeConnections = new AtomicInteger();
    private final AtomicLong totalConnections = new AtomicLong();
    private final Set<Channel> listeners = ConcurrentHashMap.newKeySet();
    private final int maxConnections;
    private volatile L7Snapshot snapshot;
    private volatile boolean draining;
    private volatile boolean acceptPaused;

    ProxyContext(Upstreams upstreams, AccessLog accessLog, int maxConnections) {
        this.upstreams = upstreams;
        this.accessLog = accessLog;
        this.maxConnections = maxConnections;
    }

    /** The snapshot a connection accepted now runs on. */
    L7Snapshot snapshot() {
        return snapshot;
    }

    void snapshot(L7Snapshot next) {
        snapshot = next;
    }

    Upstreams upstreams() {
        return upstreams;
    }

    /** The exchange ended: counts it, then renders and writes its log line unless there is no access log. */
    void exchangeEnded(ExchangeLog log, ClientConnection connection) {
        log.count(connection.frontend().counters());
        if (accessLog != AccessLog.NONE) {
            accessLog.log(log.render(connection.peer(), connection.frontend().name()));
        }
    }

    boolean draining() {
        return draining;
    }

    void connectionOpened(ClientConnection connection) {
        if (activeConnections.incrementAndGet() >= maxConnections) {
            pauseAccepting(true);
        }
        totalConnections.incrementAndGet();
        connections.add(connection);
        if (draining) {
            connection.closeWhenIdle();
        }
    }

    void connectionClosed(ClientConnection connection) {
        if (connections.remove(connection) && activeConnections.decrementAndGet() < maxConnections
                && acceptPaused) {
            pauseAccepting(false);
        }
    }

    /** At {@code maxconn} the listeners stop accepting; new clients wait in the kernel's backlog, as in HAProxy. */
    private synchronized void pauseAccepting(boolean pause) {
        boolean shouldPause = activeConnections.get() >= maxConnections;
        if (pause != shouldPause || acceptPaused == pause) {
            return;
        }
        acceptPaused = pause;
        for (Channel listener : listeners) {
            listener.config().setAutoRead(!pause);
        }
    }

    void addListener(Channel listener) {
        listeners.add(listener);
    }

    Set<Channel> listeners() {
        return listeners;
    }

    int activeConnections() {
        return activeConnections.get();
    }

    long totalConnections() {
        return totalConnections.get();
    }

    /** Stops keep-alive everywhere: idle connections close now, busy ones after their current response. */
    void startDrain() {
        draining = true;
        for (ClientConnection connection : connections) {
            connection.channel().eventLoop().execute(connection::closeWhenIdle);
        }
    }
}
