package io.tandem.core.balance;

import io.netty.util.concurrent.EventExecutor;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

/**
 * How one request (L7) or connection (L4) gets its server, the same for both tiers: first the servers persistence
 * names (a cookie, a stick-table entry), each taken when it accepts persistent clients (up, not in maintenance:
 * a draining server keeps its sticky clients) and is below its {@code maxconn}; else the pool's
 * balancer, queueing while every candidate is full. After a failed connect, {@link #retry} tries again on a server
 * not tried yet, up to {@code retries} times; when every server was tried, a retry goes back to one that failed
 * before, as HAProxy does. Outcomes reach the callback exactly as {@link ServerPool#acquire} delivers them. Lives
 * on one event loop, like its request.
 */
public final class ServerChoice implements ServerPool.AcquireCallback {
    private final ServerPool pool;
    private final int retries;
    private final EventExecutor executor;
    private final Duration queueTimeout;
    private final ServerPool.AcquireCallback callback;
    private String hashKey;
    /** Servers whose connect failed; allocated on the first failure (null: none yet). */
    private Set<Server> excluded;
    private ServerPool.Waiting waiting = ServerPool.Waiting.DONE;
    private int retried;
    private boolean persisted;
    /** The server whose connect failed last; null before any failed. */
    private Server lastFailed;

    /**
     * A choice in {@code pool} for a caller on {@code executor}, with {@code retries} attempts after the first and
     * {@code queueTimeout} for each wait in the queue.
     */
    public ServerChoice(ServerPool pool, int retries, EventExecutor executor, Duration queueTimeout,
                        ServerPool.AcquireCallback callback) {
        this.pool = pool;
        this.retries = retries;
        this.executor = executor;
        this.queueTimeout = queueTimeout;
        this.callback = callback;
    }

    /** The first attempt without persistence: the balancer with {@code hashKey} (see the other {@code start}). */
    public void start(String hashKey) {
        start(hashKey, null, null);
    }

    /**
     * The first attempt: {@code first}, else {@code second} (servers of the pool that persistence names, or null),
     * when it accepts persistent clients (a draining server does) and takes a slot; else the balancer with {@code hashKey} (null when the algorithm does not hash,
     * or the request has no key). Two parameters rather than varargs: no array per request.
     */
    public void start(String hashKey, Server first, Server second) {
        this.hashKey = hashKey;
        if (takes(first) || takes(second)) {
            return;
        }
        acquire();
    }

    private boolean takes(Server server) {
        if (server != null && server.acceptsPersistent() && server.tryAcquire()) {
            persisted = true;
            callback.onAcquired(server);
            return true;
        }
        return false;
    }

    /** True when another attempt is allowed after a failed connect. */
    public boolean canRetry() {
        return retried < retries;
    }

    /**
     * Another attempt after the connect to {@code failed} failed (the caller gave its slot back): a server not
     * tried yet, persistence no longer applying. Call only when {@link #canRetry}.
     */
    public void retry(Server failed) {
        if (excluded == null) {
            excluded = new HashSet<>();
        }
        excluded.add(failed);
        lastFailed = failed;
        retried++;
        persisted = false;
        acquire();
    }

    /**
     * In {@code onAcquired} after a {@link #retry}: the server that failed before (the new one is a retry when it is
     * the same, else a redispatch); null on the first attempt.
     */
    public Server lastFailed() {
        return lastFailed;
    }

    /** Attempts made after the first. */
    public int retries() {
        return retried;
    }

    /** True when the server handed over came from the preferred ones ({@link #start}), not the balancer. */
    public boolean persisted() {
        return persisted;
    }

    /** Leaves the queue if waiting; a server handed over meanwhile still arrives and must be released. */
    public void cancel() {
        waiting.cancel();
        waiting = ServerPool.Waiting.DONE;
    }

    private void acquire() {
        waiting = pool.acquire(hashKey, excluded == null ? Set.of() : excluded, executor, queueTimeout, this);
    }

    @Override
    public void onAcquired(Server server) {
        waiting = ServerPool.Waiting.DONE;
        callback.onAcquired(server);
    }

    @Override
    public void onQueueTimeout() {
        waiting = ServerPool.Waiting.DONE;
        callback.onQueueTimeout();
    }

    @Override
    public void onNoServer() {
        waiting = ServerPool.Waiting.DONE;
        if (excluded != null && !excluded.isEmpty()) {
            // Every other server was tried: the retry goes back to one that failed before.
            excluded.clear();
            acquire();
            return;
        }
        callback.onNoServer();
    }
}
