package io.tandem.core.balance;

import io.tandem.core.config.ServerConfig;
import io.tandem.core.tls.TlsClient;

import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A server's live state, shared by its balancer, its health checker, the runtime API and the data path: whether it
 * is up, its admin state (ready, drain, maint), its weight now, how many connections it carries, and its configured
 * limits. It outlives a recompile that leaves its settings as they are (see
 * {@code io.tandem.core.state.RuntimeState}).
 */
public final class Server {
    /** Highest weight, HAProxy's. */
    public static final int MAX_WEIGHT = 256;

    private final String backend;
    private final ServerConfig config;
    private final InetSocketAddress socketAddress;
    private final AtomicInteger active = new AtomicInteger();
    private final AtomicInteger maxActive = new AtomicInteger();
    private final AtomicLong totalConnections = new AtomicLong();
    private final AtomicLong checkFailures = new AtomicLong();
    private final AtomicLong downTransitions = new AtomicLong();
    private volatile boolean up = true;
    private volatile AdminState adminState = AdminState.READY;
    private volatile int weight;
    private volatile long lastChangeMillis = System.currentTimeMillis();
    /** When the server last handed out a slot; 0 never. */
    private volatile long lastSessionMillis;
    private volatile TlsClient tls;

    /**
     * What an operator set, as HAProxy's {@code set server ... state}: {@code READY} serves; {@code DRAIN} gets
     * nothing new from the balancer but still the clients that persistence (a cookie, a stick-table entry) binds to
     * it; {@code MAINT} gets nothing new at all. Connections open when the state changes carry on either way.
     */
    public enum AdminState { READY, DRAIN, MAINT }

    public Server(String backend, ServerConfig config) {
        this.backend = backend;
        this.config = config;
        this.weight = config.weight();
        // Resolved once, here, on the control path: the data path never waits on DNS.
        this.socketAddress = new InetSocketAddress(config.address().host(), config.address().port());
    }

    public String backend() {
        return backend;
    }

    public String name() {
        return config.name();
    }

    /** {@code backend/server}, as operators read it in logs. */
    public String qualifiedName() {
        return backend + "/" + config.name();
    }

    public ServerConfig config() {
        return config;
    }

    /** True when {@code other} configures this server as it is: the same settings, wherever they are written. */
    public boolean hasSettings(ServerConfig other) {
        boolean sameTls = config.ssl() == null ? other.ssl() == null : config.ssl().sameSettings(other.ssl());
        return sameTls && config.equals(new ServerConfig(other.name(), other.address(), other.weight(),
                other.backup(), other.maxconn(), other.cookie(), config.ssl(), other.h2(), config.pos()));
    }

    /**
     * Takes over the health and admin state of {@code previous}, the server of the same name that this one replaces
     * in a recompile (its settings changed). Connections {@code previous} carries stay counted there.
     */
    public void inherit(Server previous) {
        this.up = previous.up;
        this.adminState = previous.adminState;
        this.lastChangeMillis = previous.lastChangeMillis;
        this.checkFailures.set(previous.checkFailures.get());
        this.downTransitions.set(previous.downTransitions.get());
        this.maxActive.set(previous.maxActive.get());
        this.lastSessionMillis = previous.lastSessionMillis;
    }

    /** The weight balancers use now: the configured one unless the runtime API set another. */
    public int weight() {
        return weight;
    }

    /** Sets the weight (0..{@value #MAX_WEIGHT}; 0 takes no new traffic from the balancer). Tell the pool. */
    public void setWeight(int weight) {
        if (weight < 0 || weight > MAX_WEIGHT) {
            throw new IllegalArgumentException("weight " + weight + " is outside 0.." + MAX_WEIGHT);
        }
        this.weight = weight;
    }

    public boolean backup() {
        return config.backup();
    }

    /** The address to connect to, resolved when the config was compiled; unresolved if the name had no address. */
    public InetSocketAddress socketAddress() {
        return socketAddress;
    }

    public boolean isUp() {
        return up;
    }

    /** TLS to this server (its {@code ssl}), or null for plain text. */
    public TlsClient tls() {
        return tls;
    }

    /**
     * Installs the TLS context of the latest compile (its CA file read again); connections open already keep
     * theirs. Null for a plain-text server.
     */
    public void tls(TlsClient tls) {
        this.tls = tls;
    }

    /** Set by health checks; balancers read it on every pick. A change is counted (see {@link #lastChangeMillis}). */
    public void setUp(boolean up) {
        if (this.up != up) {
            lastChangeMillis = System.currentTimeMillis();
            if (!up) {
                downTransitions.incrementAndGet();
            }
        }
        this.up = up;
    }

    /** A health-check probe of this server failed (whether or not the server went down for it). */
    public void checkFailed() {
        checkFailures.incrementAndGet();
    }

    /** Failed health-check probes since start (HAProxy's {@code chkfail}). */
    public long checkFailures() {
        return checkFailures.get();
    }

    /** Times the server went from UP to DOWN (HAProxy's {@code chkdown}). */
    public long downTransitions() {
        return downTransitions.get();
    }

    /** When the server last went UP or DOWN or changed admin state (epoch milliseconds; its creation if never). */
    public long lastChangeMillis() {
        return lastChangeMillis;
    }

    public AdminState adminState() {
        return adminState;
    }

    /**
     * Sets the admin state, independent of health: health checks keep running, so {@link #isUp} still tells
     * whether the server would serve. Tell its pool through {@link ServerPool#serverStateChanged} as for a health
     * change.
     */
    public void setAdminState(AdminState state) {
        if (adminState != state) {
            lastChangeMillis = System.currentTimeMillis();
        }
        this.adminState = state;
    }

    /** True while an operator drains the server ({@link AdminState#DRAIN}). */
    public boolean isDraining() {
        return adminState == AdminState.DRAIN;
    }

    /** Up, ready, with a non-zero weight: the balancer may pick it for new requests. */
    public boolean isUsable() {
        return up && adminState == AdminState.READY && weight > 0;
    }

    /**
     * Up and not in maintenance: a client that persistence binds to the server (a cookie, a stick-table entry)
     * still reaches it while it drains or has weight 0, as in HAProxy.
     */
    public boolean acceptsPersistent() {
        return up && adminState != AdminState.MAINT;
    }

    public int activeConnections() {
        return active.get();
    }

    public long totalConnections() {
        return totalConnections.get();
    }

    /** The most slots it has had taken at once (HAProxy's {@code smax}). */
    public int maxActiveConnections() {
        return maxActive.get();
    }

    /** When it last handed out a slot, Unix milliseconds; 0 if never (HAProxy's {@code lastsess}). */
    public long lastSessionMillis() {
        return lastSessionMillis;
    }

    /** True when per-server {@code maxconn} leaves room for one more connection. */
    public boolean hasCapacity() {
        int max = config.maxconn();
        return max <= 0 || active.get() < max;
    }

    /** Takes a connection slot; false when {@code maxconn} is reached. Pair every success with {@link #release}. */
    public boolean tryAcquire() {
        int max = config.maxconn();
        while (true) {
            int current = active.get();
            if (max > 0 && current >= max) {
                return false;
            }
            if (active.compareAndSet(current, current + 1)) {
                totalConnections.incrementAndGet();
                if (current + 1 > maxActive.get()) {
                    maxActive.accumulateAndGet(current + 1, Math::max);
                }
                lastSessionMillis = System.currentTimeMillis();
                return true;
            }
        }
    }

    /** Gives back a slot taken by {@link #tryAcquire}. */
    public void release() {
        active.decrementAndGet();
    }

    @Override
    public String toString() {
        return qualifiedName();
    }
}
