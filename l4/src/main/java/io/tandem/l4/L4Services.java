package io.tandem.l4;

import io.tandem.core.config.ServiceConfig;
import io.tandem.core.health.CheckTarget;
import io.tandem.core.health.ServerStateListener;
import io.tandem.core.net.Deadline;
import io.tandem.core.net.EventLoops;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The L4 tier at run time: every service of an {@link L4Snapshot} (see {@link L4Compiler}) listening on the shared
 * event loops, TCP services relaying connections and UDP services relaying flows to the servers their balancers
 * pick. Each connection and flow runs on the snapshot that was current when it began, read once from the one
 * reference {@link #update} replaces.
 *
 * <p>Wiring: compile against the runtime state and commit (which runs the health checks), construct,
 * {@link #start}; on shutdown {@link #drain}, then {@link #close}. Servers that are down (or weight 0) get no new
 * connections; the ones they carry go on until they end.
 */
public final class L4Services implements AutoCloseable {
    private volatile L4Snapshot snapshot;
    private final Map<String, RunningService> running = new LinkedHashMap<>();

    /**
     * The services of {@code snapshot} on {@code loops}; {@code globalMaxconn} ({@code global.maxconn}, 0 for none)
     * limits each service that sets no {@code maxconn} of its own.
     */
    public L4Services(L4Snapshot snapshot, int globalMaxconn, EventLoops loops) {
        this.snapshot = snapshot;
        for (ServiceRuntime service : snapshot.services().values()) {
            String name = service.name();
            Supplier<ServiceRuntime> current = () -> this.snapshot.service(name);
            int limit = service.maxConnections(globalMaxconn);
            running.put(name, service.config().protocol() == ServiceConfig.Protocol.UDP
                    ? new UdpService(current, loops, limit) : new TcpService(current, loops, limit));
        }
    }

    /** The snapshot new connections and flows start on. */
    public L4Snapshot snapshot() {
        return snapshot;
    }

    /**
     * Makes {@code next} the snapshot that connections and flows started from now on run on; those open finish on
     * theirs. {@code next} must have the same services, listening where they listen now with the same protocol,
     * since the sockets stay as they are (changing them is for a reload, which is not supported yet).
     */
    public void update(L4Snapshot next) {
        L4Snapshot current = snapshot;
        if (!next.services().keySet().equals(current.services().keySet())) {
            throw new IllegalArgumentException("the new config has other L4 services than the running one");
        }
        for (ServiceRuntime service : current.services().values()) {
            ServiceConfig now = service.config();
            ServiceConfig then = next.service(service.name()).config();
            if (now.protocol() != then.protocol() || !now.listen().address().equals(then.listen().address())
                    || now.listen().acceptProxy() != then.listen().acceptProxy()) {
                throw new IllegalArgumentException("service " + service.name() + " listens otherwise now");
            }
        }
        snapshot = next;
    }

    /** Opens every service's socket; on a failure the ones already open are closed again and it is thrown. */
    public void start() throws IOException {
        try {
            for (RunningService service : running.values()) {
                service.start();
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Where service {@code name} listens (the actual port when {@code listen} gives port 0), null if unknown. */
    public InetSocketAddress localAddress(String name) {
        RunningService service = running.get(name);
        return service == null ? null : service.localAddress();
    }

    /** Connections (TCP) and flows (UDP) open now, over every service. */
    public int activeConnections() {
        return running.values().stream().mapToInt(RunningService::activeConnections).sum();
    }

    /**
     * Graceful stop: TCP listeners close and UDP services start no new flows; returns when every connection and
     * flow has ended or {@code grace} has passed, with the number still open (which {@link #close} then cuts).
     */
    public int drain(Duration grace) {
        running.values().forEach(RunningService::stopAccepting);
        Deadline deadline = Deadline.after(grace);
        while (activeConnections() > 0 && !deadline.passed()) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return activeConnections();
    }

    /** Closes every socket, connection and flow at once. */
    @Override
    public void close() {
        running.values().forEach(RunningService::closeAll);
    }
}
