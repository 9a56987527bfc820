package io.tandem.l4;

import io.tandem.core.config.HostPort;
import io.tandem.core.config.ServiceConfig;
import io.tandem.core.net.Deadline;
import io.tandem.core.net.EventLoops;
import io.tandem.core.state.ListenerSwap;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The L4 tier at run time: every service of an {@link L4Snapshot} (see {@link L4Compiler}) listening on the shared
 * event loops, TCP services relaying connections and UDP services relaying flows to the servers their balancers
 * pick. Each connection and flow runs on the snapshot that was current when it began, read once from the one
 * reference a reload's {@link #prepare swap} replaces.
 *
 * <p>Wiring: compile against the runtime state and commit (which runs the health checks), construct,
 * {@link #start}; on shutdown {@link #drain}, then {@link #close}. Servers that are down (or weight 0) get no new
 * connections; the ones they carry go on until they end.
 */
public final class L4Services implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(L4Services.class.getName());

    private final int globalMaxconn;
    private final EventLoops loops;
    private final L4Snapshot initial;
    private volatile L4Snapshot snapshot;
    /** The services listening now, by where they listen. Guarded by this. */
    private final Map<Listen, Slot> running = new LinkedHashMap<>();
    /** Services a reload removed: no longer accepting, their connections going on until they end. Guarded by this. */
    private final List<Slot> retiring = new ArrayList<>();

    /**
     * Where a service listens; a reload keeps the socket of a service (renamed or not) while this stays. Port 0
     * (any free port, in tests) says nowhere in particular, so there the service's name tells services apart.
     */
    private record Listen(ServiceConfig.Protocol protocol, InetSocketAddress address, String anyPortOf) {
        static Listen of(ServiceRuntime service) {
            InetSocketAddress address = RunningService.socketAddress(service);
            return new Listen(service.config().protocol(), address, address.getPort() == 0 ? service.name() : null);
        }
    }

    /** One socket and the service as the current snapshot has it, which its connections and flows read once. */
    private static final class Slot {
        volatile ServiceRuntime runtime;
        RunningService service;

        Slot(ServiceRuntime runtime) {
            this.runtime = runtime;
        }
    }

    /**
     * The services of {@code snapshot} on {@code loops}, opened by {@link #start}; {@code globalMaxconn}
     * ({@code global.maxconn}, 0 for none) limits each service that sets no {@code maxconn} of its own.
     */
    public L4Services(L4Snapshot snapshot, int globalMaxconn, EventLoops loops) {
        this.initial = snapshot;
        this.snapshot = snapshot;
        this.globalMaxconn = globalMaxconn;
        this.loops = loops;
    }

    /** The snapshot new connections and flows start on. */
    public L4Snapshot snapshot() {
        return snapshot;
    }

    /** Opens every service's socket; on a failure the ones already open are closed again and it is thrown. */
    public void start() throws IOException {
        prepare(initial).apply();
    }

    /**
     * Readies the services of {@code next} (a reload): a service listening where none listens now is opened (it
     * serves on {@code next} at once); on a failure those opened are closed again and it is thrown, nothing else
     * changed. The swap's {@link ListenerSwap#apply} makes {@code next} the snapshot of new connections and flows
     * (open ones finish on theirs), keeps the socket of each service that listens where it did with the same
     * protocol, and stops the others from accepting, their connections going on until they end.
     */
    public synchronized ListenerSwap prepare(L4Snapshot next) throws IOException {
        Map<Listen, Slot> opened = new LinkedHashMap<>();
        try {
            for (ServiceRuntime service : next.services().values()) {
                Listen listen = Listen.of(service);
                if (!running.containsKey(listen)) {
                    Slot slot = new Slot(service);
                    Supplier<ServiceRuntime> current = () -> slot.runtime;
                    int limit = service.maxConnections(globalMaxconn);
                    slot.service = service.config().protocol() == ServiceConfig.Protocol.UDP
                            ? new UdpService(current, loops, limit) : new TcpService(current, loops, limit);
                    opened.put(listen, slot);
                    slot.service.start();
                }
            }
        } catch (IOException | RuntimeException e) {
            opened.values().forEach(slot -> slot.service.closeAll());
            throw e;
        }
        return new ListenerSwap() {
            @Override
            public List<String> apply() {
                return swap(next, opened);
            }

            @Override
            public void abandon() {
                opened.values().forEach(slot -> slot.service.closeAll());
            }
        };
    }

    private synchronized List<String> swap(L4Snapshot next, Map<Listen, Slot> opened) {
        List<String> changes = new ArrayList<>();
        Map<Listen, ServiceRuntime> wanted = new LinkedHashMap<>();
        next.services().values().forEach(service -> wanted.put(Listen.of(service), service));
        for (Iterator<Map.Entry<Listen, Slot>> it = running.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Listen, Slot> entry = it.next();
            Slot slot = entry.getValue();
            ServiceRuntime now = wanted.get(entry.getKey());
            if (now == null) {
                it.remove();
                slot.service.stopAccepting();
                if (slot.service.activeConnections() == 0) {
                    // Nothing to finish: the socket (a UDP one stays bound while flows reply) goes now.
                    slot.service.closeAll();
                } else {
                    retiring.add(slot);
                }
                String line = "service " + slot.runtime.name() + ": stopped listening on " + text(entry.getKey())
                        + ", " + slot.service.activeConnections() + " connection(s) go on until they end";
                LOG.log(System.Logger.Level.INFO, line);
                changes.add(line);
            } else {
                if (!now.name().equals(slot.runtime.name())) {
                    changes.add("service " + now.name() + " (was " + slot.runtime.name() + "): kept listening on "
                            + text(entry.getKey()));
                }
                slot.runtime = now;
                slot.service.limit(now.maxConnections(globalMaxconn));
            }
        }
        for (Map.Entry<Listen, Slot> entry : opened.entrySet()) {
            running.put(entry.getKey(), entry.getValue());
            changes.add("service " + entry.getValue().runtime.name() + ": listening on " + text(entry.getKey()));
        }
        retiring.removeIf(slot -> {
            if (slot.service.activeConnections() > 0) {
                return false;
            }
            slot.service.closeAll();
            return true;
        });
        snapshot = next;
        return changes;
    }

    private static String text(Listen listen) {
        return listen.protocol().name().toLowerCase(java.util.Locale.ROOT) + " " + HostPort.text(listen.address());
    }

    /** Where service {@code name} listens (the actual port when {@code listen} gives port 0), null if unknown. */
    public synchronized InetSocketAddress localAddress(String name) {
        for (Slot slot : running.values()) {
            if (slot.runtime.name().equals(name)) {
                return slot.service.localAddress();
            }
        }
        return null;
    }

    /** Connections (TCP) and flows (UDP) open now, over every service (those a reload removed included). */
    public synchronized int activeConnections() {
        return running.values().stream().mapToInt(slot -> slot.service.activeConnections()).sum()
                + retiring.stream().mapToInt(slot -> slot.service.activeConnections()).sum();
    }

    /**
     * Graceful stop: TCP listeners close and UDP services start no new flows; returns when every connection and
     * flow has ended or {@code grace} has passed, with the number still open (which {@link #close} then cuts).
     */
    public int drain(Duration grace) {
        synchronized (this) {
            running.values().forEach(slot -> slot.service.stopAccepting());
        }
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
    public synchronized void close() {
        running.values().forEach(slot -> slot.service.closeAll());
        retiring.forEach(slot -> slot.service.closeAll());
        retiring.clear();
    }
}
