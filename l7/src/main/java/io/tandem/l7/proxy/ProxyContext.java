package io.tandem.l7.proxy;

import io.netty.channel.Channel;
import io.tandem.core.config.BindConfig;
import io.tandem.core.config.GlobalConfig;
import io.tandem.core.net.EpollInterestPin;

import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
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
    private final boolean json;
    private final Set<FrontendConnection> connections = ConcurrentHashMap.newKeySet();
    private final AtomicInteger activeConnections = new AtomicInteger();
    private final AtomicLong totalConnections = new AtomicLong();
    private final Set<Channel> listeners = ConcurrentHashMap.newKeySet();
    private final int maxConnections;
    private volatile Routing routing = new Routing(new L7Snapshot(Map.of(), Map.of()), Map.of());
    private volatile boolean draining;
    private volatile boolean acceptPaused;

    ProxyContext(Upstreams upstreams, AccessLog accessLog, int maxConnections) {
        this.upstreams = upstreams;
        this.accessLog = accessLog;
        this.json = accessLog.format() == GlobalConfig.LogFormat.JSON;
        this.maxConnections = maxConnections;
    }

    /**
     * The current snapshot and, for each bind address, the frontend it serves and its bind: swapped as one, so a
     * connection accepted during a reload never meets a frontend name of the other snapshot.
     */
    record Routing(L7Snapshot snapshot, Map<InetSocketAddress, Bound> binds) {
    }

    /** What one listener serves: frontend {@code frontend} through {@code bind}. */
    record Bound(String frontend, BindConfig bind) {
    }

    /** The bind addresses of {@code snapshot}, each with its frontend and bind. */
    static Map<InetSocketAddress, Bound> binds(L7Snapshot snapshot) {
        Map<InetSocketAddress, Bound> binds = new HashMap<>();
        for (FrontendRuntime frontend : snapshot.frontends().values()) {
            for (BindConfig bind : frontend.config().binds()) {
                binds.put(bind.address().bindAddress(), new Bound(frontend.name(), bind));
            }
        }
        return Map.copyOf(binds);
    }

    Routing routing() {
        return routing;
    }

    /** The snapshot a connection accepted now runs on, and the next request of an open one. */
    L7Snapshot snapshot() {
        return routing.snapshot();
    }

    void snapshot(L7Snapshot next) {
        routing = new Routing(next, binds(next));
    }

    Upstreams upstreams() {
        return upstreams;
    }

    /** The exchange ended: counts it, then renders and writes its log line unless there is no access log. */
    void exchangeEnded(ExchangeLog log, FrontendConnection connection) {
        log.count(connection.frontend().counters());
        if (accessLog != AccessLog.NONE) {
            InetSocketAddress client = connection.peer();
            String frontend = connection.frontend().name();
            accessLog.log(json ? log.renderJson(client, frontend, connection.tls())
                    : log.render(client, frontend, connection.tls()));
        }
    }

    boolean draining() {
        return draining;
    }

    /**
     * A client connection is open (counted once, at accept or after its TLS handshake): pinned to its loop's epoll
     * interest, listed, and counted here and in its frontend.
     */
    void connectionOpened(FrontendConnection connection) {
        EpollInterestPin.pin(connection.channel());
        if (activeConnections.incrementAndGet() >= maxConnections) {
            pauseAccepting(true);
        }
        totalConnections.incrementAndGet();
        connections.add(connection);
        if (draining) {
            connection.closeWhenIdle();
        }
        connection.frontend().counters().opened();
    }

    /** A client connection that {@link #connectionOpened} counted is closed. */
    void connectionClosed(FrontendConnection connection) {
        if (connections.remove(connection) && activeConnections.decrementAndGet() < maxConnections
                && acceptPaused) {
            pauseAccepting(false);
        }
        connection.frontend().counters().closed();
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

    /** A listener opened paused (auto-read off) starts accepting, unless maxconn pauses every listener now. */
    synchronized void addListener(Channel listener) {
        listeners.add(listener);
        listener.config().setAutoRead(!acceptPaused);
    }

    synchronized void removeListener(Channel listener) {
        listeners.remove(listener);
    }

    /**
     * The connections accepted by {@code listener}, a listener a reload removed, close once idle: the current
     * response of each ends with {@code Connection: close} (HTTP/1) or GOAWAY
     * (HTTP/2). Returns how many there were.
     */
    int closeWhenIdle(Channel listener) {
        int n = 0;
        for (FrontendConnection connection : connections) {
            if (connection.channel().parent() == listener) {
                connection.channel().eventLoop().execute(connection::closeWhenIdle);
                n++;
            }
        }
        return n;
    }

    Set<Channel> listeners() {
        return listeners;
    }

    Set<FrontendConnection> connections() {
        return connections;
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
        for (FrontendConnection connection : connections) {
            connection.channel().eventLoop().execute(connection::closeWhenIdle);
        }
    }
}
