package io.tandem.core.balance;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import io.tandem.core.config.BalanceConfig;

import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * A backend's servers with their balancer, persistence-cookie lookup and the {@code maxconn} queue.
 *
 * <p>Queue contract: {@link #acquire} either takes a connection slot on a server at once, or, when every usable
 * candidate is at its {@code maxconn}, parks the request in one FIFO per pool for up to {@code timeout queue}.
 * While requests wait, newcomers queue behind them so nobody is overtaken. A slot freed by {@link #release} (or
 * a server coming back, {@link #serverStateChanged}) goes to the oldest waiter that may use that server: usable,
 * in the serving tier (actives, or backups when no active is usable) and not in the waiter's excluded set (a
 * waiting request's hash key no longer binds it: every server was full when it queued). The
 * waiter then holds a slot taken with {@link Server#tryAcquire} and must give it back with {@link #release}.
 *
 * <p>A recompile that changes the servers or the balancer builds a new pool and {@link #retireInto retires} this
 * one into it: the waiters move over, and slots given back here later (by connections that started on the old
 * snapshot) are offered to the new pool's waiters too.
 */
public final class ServerPool {
    private final List<Server> servers;
    private final Set<Server> members;
    private final ServerTiers tiers;
    private final Balancer balancer;
    private final BalanceConfig balance;
    private final Map<String, Server> byCookie;
    // FIFO of waiters; insertion order is arrival order and removal of a timed-out waiter is O(1). Guarded by this.
    private final LinkedHashSet<Waiter> queue = new LinkedHashSet<>();
    // Read without the lock by the fast path; written under it.
    private volatile int queueLength;
    /** The pool this one was retired into, or null while it is current. */
    private volatile ServerPool successor;

    /** A pool of {@code servers} picked by {@code balancer}. */
    public ServerPool(List<Server> servers, Balancer balancer) {
        this(servers, balancer, null);
    }

    private ServerPool(List<Server> servers, Balancer balancer, BalanceConfig balance) {
        this.servers = List.copyOf(servers);
        Set<Server> identity = Collections.newSetFromMap(new IdentityHashMap<>());
        identity.addAll(this.servers);
        this.members = Collections.unmodifiableSet(identity);
        this.tiers = new ServerTiers(this.servers);
        this.balancer = balancer;
        this.balance = balance;
        Map<String, Server> cookies = new HashMap<>();
        for (Server s : this.servers) {
            if (s.config().cookie() != null) {
                cookies.put(s.config().cookie(), s);
            }
        }
        this.byCookie = Map.copyOf(cookies);
    }

    /** A pool of {@code servers} with the balancer {@code config} names. */
    public static ServerPool create(BalanceConfig config, List<Server> servers) {
        return new ServerPool(servers, Balancers.create(config, servers), config);
    }

    /** True when a recompile naming {@code servers} (these very objects, in this order) and {@code config} keeps this pool. */
    public boolean sameAs(BalanceConfig config, List<Server> servers) {
        if (!config.equals(balance) || servers.size() != this.servers.size()) {
            return false;
        }
        for (int i = 0; i < servers.size(); i++) {
            if (servers.get(i) != this.servers.get(i)) {
                return false;
            }
        }
        return true;
    }

    /** True when {@code server} (this very object) belongs to the pool. */
    public boolean contains(Server server) {
        return members.contains(server);
    }

    /** Every server, actives and backups, in config order. */
    public List<Server> servers() {
        return servers;
    }

    public Balancer balancer() {
        return balancer;
    }

    /**
     * The server whose persistence cookie is {@code value}, or null when none has it or it takes no persistent
     * clients ({@link Server#acceptsPersistent}: down or in maintenance; the caller then balances, as HAProxy
     * redispatches). Capacity is not checked: the caller takes the slot.
     */
    public Server byCookie(String value) {
        if (value == null) {
            return null;
        }
        Server s = byCookie.get(value);
        return s != null && s.acceptsPersistent() ? s : null;
    }

    /** True when some server has persistence cookie {@code value}, usable or not (logs tell down from invalid). */
    public boolean hasCookie(String value) {
        return value != null && byCookie.containsKey(value);
    }

    /** True when some server, active or backup, is usable. */
    public boolean anyUsable() {
        return tiers.anyUsable();
    }

    /** Requests waiting for a slot now. */
    public int queueLength() {
        return queueLength;
    }

    /**
     * Finds a server for a request and takes a slot on it. Exactly one callback method is invoked, always on
     * {@code executor} (synchronously, before this returns, when the caller already runs there and the outcome
     * is known at once), unless {@link Waiting#cancel} wins first: {@code onAcquired} with the slot taken,
     * {@code onNoServer} when no usable server outside {@code excluded} exists, or {@code onQueueTimeout} when
     * every candidate stayed full for {@code queueTimeout}.
     *
     * @return a handle to withdraw the request (client gone) while it waits
     */
    public Waiting acquire(String hashKey, Set<Server> excluded, EventExecutor executor, Duration queueTimeout,
                           AcquireCallback callback) {
        Set<Server> tried = excluded == null ? Collections.emptySet() : excluded;
        if (queueLength == 0) {
            Server s = selectAndTake(hashKey, tried);
            if (s != null) {
                if (executor.inEventLoop()) {
                    // The common case, a free server and a caller on its own loop, costs no task hop.
                    callback.onAcquired(s);
                } else {
                    deliver(executor, callback, s);
                }
                return Waiting.DONE;
            }
        }
        if (!tiers.anyCandidate(tried)) {
            if (executor.inEventLoop()) {
                callback.onNoServer();
            } else {
                executor.execute(callback::onNoServer);
            }
            return Waiting.DONE;
        }
        Waiter waiter = new Waiter(this, tried, executor, callback);
        synchronized (this) {
            queue.add(waiter);
            queueLength = queue.size();
        }
        waiter.timeout = executor.schedule(() -> {
            if (withdraw(waiter)) {
                callback.onQueueTimeout();
            }
        }, queueTimeout.toNanos(), TimeUnit.NANOSECONDS);
        // A slot freed between the failed pick and the enqueue found nobody waiting: offer every free slot now.
        for (Server s : servers) {
            if (s.hasCapacity()) {
                handOff(s);
            }
        }
        return () -> withdraw(waiter);
    }

    /**
     * A server with a slot taken at once, for a caller that never queues (a UDP flow): null when no usable
     * server outside {@code excluded} has room.
     */
    public Server tryAcquire(String hashKey, Set<Server> excluded) {
        return selectAndTake(hashKey, excluded);
    }

    /** Gives back a slot taken by {@link #acquire} and hands it to the oldest waiter that may use the server. */
    public void release(Server server) {
        server.release();
        handOff(server);
        for (ServerPool next = successor; next != null; next = next.successor) {
            if (next.contains(server)) {
                next.handOff(server);
            }
        }
    }

    /**
     * Retires this pool in favour of {@code next}, which a recompile built for the same backend or service: the
     * waiters move to {@code next} in their order (keeping their deadlines), and from now on a slot given back here
     * is offered to {@code next}'s waiters as well. Requests already holding a slot here keep it.
     */
    public void retireInto(ServerPool next) {
        // Both locks, this pool's first: the only place two are held, so the order cannot deadlock. A waiter moves
        // while neither queue can be seen without it, so its timer or its cancel always finds it.
        synchronized (this) {
            synchronized (next) {
                for (Waiter w : queue) {
                    w.owner = next;
                    next.queue.add(w);
                }
                queue.clear();
                queueLength = 0;
                next.queueLength = next.queue.size();
                successor = next;
            }
        }
        for (Server s : next.servers) {
            if (s.hasCapacity()) {
                next.handOff(s);
            }
        }
    }

    /**
     * Tells the pool that {@code server} changed state (health, admin). A server coming up serves waiters at
     * once; when no server is usable any more, every waiter gets {@code onNoServer} instead of timing out.
     */
    public void serverStateChanged(Server server) {
        if (server.isUsable()) {
            handOff(server);
        } else if (!tiers.anyUsable()) {
            List<Waiter> orphans;
            synchronized (this) {
                orphans = List.copyOf(queue);
                queue.clear();
                queueLength = 0;
            }
            for (Waiter w : orphans) {
                w.cancelTimer();
                w.executor.execute(w.callback::onNoServer);
            }
        }
    }

    private Server selectAndTake(String hashKey, Set<Server> excluded) {
        // tryAcquire may lose a race for the last slot; pick again, the balancer then sees the server full.
        for (int attempt = 0; attempt < servers.size() + 1; attempt++) {
            Server s = balancer.select(hashKey, excluded);
            if (s == null) {
                return null;
            }
            if (s.tryAcquire()) {
                return s;
            }
        }
        return null;
    }

    private void handOff(Server server) {
        while (queueLength > 0 && tiers.inServingTier(server)) {
            Waiter chosen = null;
            synchronized (this) {
                for (Iterator<Waiter> it = queue.iterator(); it.hasNext(); ) {
                    Waiter w = it.next();
                    if (!w.excluded.contains(server)) {
                        if (!server.tryAcquire()) {
                            return;
                        }
                        it.remove();
                        queueLength = queue.size();
                        chosen = w;
                        break;
                    }
                }
            }
            if (chosen == null) {
                return;
            }
            chosen.cancelTimer();
            deliver(chosen.executor, chosen.callback, server);
        }
    }

    private void deliver(EventExecutor executor, AcquireCallback callback, Server server) {
        try {
            executor.execute(() -> callback.onAcquired(server));
        } catch (RejectedExecutionException shutDown) {
            // The requester's event loop is gone; nobody will release the slot, so give it back here.
            release(server);
        }
    }

    /** Takes {@code waiter} out of the queue it is in now (another pool's, once this one was retired). */
    private static boolean withdraw(Waiter waiter) {
        while (true) {
            ServerPool pool = waiter.owner;
            synchronized (pool) {
                if (waiter.owner == pool) {
                    boolean removed = pool.queue.remove(waiter);
                    pool.queueLength = pool.queue.size();
                    return removed;
                }
            }
        }
    }

    /** Receives the outcome of {@link #acquire}, always on the executor passed to it. */
    public interface AcquireCallback {
        /** A slot on {@code server} is now held by the caller; give it back with {@link ServerPool#release}. */
        void onAcquired(Server server);

        /** Every candidate stayed at {@code maxconn} for the whole queue timeout (HAProxy answers 503). */
        void onQueueTimeout();

        /** No usable server outside the excluded set (HAProxy answers 503). */
        void onNoServer();
    }

    /** A request's place in the queue. */
    @FunctionalInterface
    public interface Waiting {
        /** Returned when the outcome was decided without queueing. */
        Waiting DONE = () -> false;

        /**
         * Leaves the queue; true when the request was still waiting (no callback will follow), false when a slot
         * or an outcome was already handed over (the callback runs or ran, and an acquired slot must be released).
         */
        boolean cancel();
    }

    private static final class Waiter {
        /** The pool whose queue holds the waiter; changes, under both pools' locks, when its pool retires. */
        volatile ServerPool owner;
        final Set<Server> excluded;
        final EventExecutor executor;
        final AcquireCallback callback;
        volatile ScheduledFuture<?> timeout;

        void cancelTimer() {
            ScheduledFuture<?> t = timeout;
            // Null when handed over before acquire() armed the timer; the timer then finds it gone and stays quiet.
            if (t != null) {
                t.cancel(false);
            }
        }

        Waiter(ServerPool owner, Set<Server> excluded, EventExecutor executor, AcquireCallback callback) {
            this.owner = owner;
            this.excluded = excluded;
            this.executor = executor;
            this.callback = callback;
        }
    }
}
