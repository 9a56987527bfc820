package io.tandem.vrrp.runtime;

import io.tandem.core.config.HostPort;
import io.tandem.core.config.VirtualAddress;
import io.tandem.core.config.VrrpInstanceConfig;
import io.tandem.core.config.VrrpInstanceConfig.TrackItem;
import io.tandem.core.config.VrrpInstanceConfig.TrackScript;
import io.tandem.vrrp.VrrpAction;
import io.tandem.vrrp.VrrpCodec;
import io.tandem.vrrp.VrrpPacket;
import io.tandem.vrrp.VrrpState;
import io.tandem.vrrp.VrrpStateMachine;
import io.tandem.vrrp.VrrpStep;
import io.tandem.vrrp.VrrpTiming;
import io.tandem.vrrp.VrrpTransition;
import io.tandem.vrrp.io.GratuitousArp;
import io.tandem.vrrp.io.InterfaceWatcher;
import io.tandem.vrrp.io.NeighborAdvertisement;
import io.tandem.vrrp.io.PacketReceiver;
import io.tandem.vrrp.io.RawIpSocket;
import io.tandem.vrrp.io.VipManager;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * One running VRRP instance: its {@link VrrpStateMachine} driven on one dedicated thread ({@code vrrp-NAME}: every
 * event, timer and advertisement), around it the plumbing. Packets are read on the receiver's own thread, decoded
 * there and handed over; {@code ip addr} changes and gratuitous ARP/NA run in order on a second thread
 * ({@code vrrp-NAME-io}), so a slow {@code ip} never delays an advertisement; tracked scripts and notify commands run
 * on a third ({@code vrrp-NAME-exec}).
 *
 * <p>Priority follows keepalived: the configured priority minus |weight| of every tracked item that is down,
 * clamped to 1..254 (an owner's 255 never changes); a down item of weight 0 puts the instance in FAULT, as does
 * its own interface going down. {@link #stop} sends priority 0 when master and removes the addresses.
 */
public final class VrrpInstance {
    private static final System.Logger LOG = System.getLogger(VrrpInstance.class.getName());
    private static final Duration SERVICE_POLL = Duration.ofMillis(100);
    private static final Duration LINK_POLL = Duration.ofMillis(50);
    private static final Duration STOP_WAIT = Duration.ofSeconds(5);
    private static final Duration NOTIFY_TIMEOUT = Duration.ofSeconds(30);

    /** One tracked thing: what it is, its weight, whether it is down now. Confined to the scheduler thread. */
    private static final class Tracker {
        final String what;
        final int weight;
        boolean down;

        Tracker(String what, int weight) {
            this.what = what;
            this.weight = weight;
        }
    }

    private final VrrpInstanceConfig config;
    private final VipManager vips;
    private final List<VipManager.Vip> addresses;
    private final List<InetAddress> advertised;
    private final int intervalCentis;
    private final VrrpCodec.Expected expected;
    private final ScheduledExecutorService scheduler;
    private final ExecutorService io;
    private final ExecutorService exec;
    private final Map<String, Tracker> trackers = new LinkedHashMap<>();
    private final Map<VrrpCodec.DropReason, LongAdder> drops = new EnumMap<>(VrrpCodec.DropReason.class);
    private final AtomicLong advertsSent = new AtomicLong();
    private final java.util.concurrent.atomic.AtomicBoolean stopCalled = new java.util.concurrent.atomic.AtomicBoolean();
    private final AtomicLong advertsReceived = new AtomicLong();
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final List<ScheduledFuture<?>> periodic = new ArrayList<>();

    private RawIpSocket socket;
    private PacketReceiver receiver;
    private GratuitousArp garp;
    private NeighborAdvertisement na;
    private InetAddress localAddress;
    private List<InetAddress> destinations;
    private VrrpStateMachine machine;
    private SyncGroup group;
    private volatile VrrpState state = VrrpState.INITIALIZE;
    private volatile int priority;
    // Scheduler-thread state.
    private ScheduledFuture<?> timer;
    private ScheduledFuture<?> garpRefresh;
    private String groupFaultCause;
    private boolean faulted;
    private boolean stopped;
    // Whether the addresses are on the interface: changed on the scheduler thread, read by the io thread.
    private volatile boolean holding;

    private VrrpInstance(VrrpInstanceConfig config, VipManager vips) {
        this.config = config;
        this.vips = vips;
        this.addresses = config.virtualAddresses().stream()
                .map(a -> new VipManager.Vip(a.address(), a.prefixLength())).toList();
        this.advertised = config.virtualAddresses().stream().map(VirtualAddress::address).toList();
        this.intervalCentis = VrrpTiming.toCentis(config.version(), config.advertInterval());
        this.expected = VrrpCodec.Expected.of(config);
        this.priority = config.priority();
        String name = config.name();
        this.scheduler = Executors.newSingleThreadScheduledExecutor(daemon("vrrp-" + name));
        this.io = Executors.newSingleThreadExecutor(daemon("vrrp-" + name + "-io"));
        this.exec = Executors.newCachedThreadPool(daemon("vrrp-" + name + "-exec"));
        for (VrrpCodec.DropReason reason : VrrpCodec.DropReason.values()) {
            drops.put(reason, new LongAdder());
        }
    }

    /**
     * Opens the sockets for {@code config} on its interface, removes stale copies of its addresses and starts the
     * state machine (in BACKUP, or MASTER for an owner). {@code services} finds a tracked service by name.
     *
     * @throws IOException with one line an operator can act on (missing interface, no CAP_NET_RAW, …)
     */
    static VrrpInstance start(VrrpInstanceConfig config, VipManager vips, Function<String, TrackedService> services,
                              SyncGroup group) throws IOException {
        VrrpInstance instance = new VrrpInstance(config, vips);
        instance.group = group;
        if (group != null) {
            group.add(new SyncGroup.Member(config.name(), instance::follow, instance::groupFault));
        }
        try {
            instance.open(services);
        } catch (IOException | RuntimeException e) {
            instance.release();
            throw e;
        }
        instance.scheduler.execute(instance::startMachine);
        return instance;
    }

    private void open(Function<String, TrackedService> services) throws IOException {
        String iface = config.interfaceName();
        requireInterface(iface);
        RawIpSocket.Family family = config.isIpv4() ? RawIpSocket.Family.V4 : RawIpSocket.Family.V6;
        InetAddress source = config.unicast() == null ? null : config.unicast().source();
        socket = RawIpSocket.open(iface, RawIpSocket.PROTO_VRRP, family, source);
        closeables.add(socket);
        if (config.unicast() == null) {
            InetAddress group = family == RawIpSocket.Family.V4 ? RawIpSocket.VRRP_GROUP_V4
                    : RawIpSocket.VRRP_GROUP_V6;
            socket.joinMulticast(group);
            destinations = List.of(group);
        } else {
            destinations = List.copyOf(config.unicast().peers());
        }
        localAddress = source != null ? source : primaryAddress(iface, family);
        if (config.isIpv4()) {
            garp = GratuitousArp.open(iface);
            closeables.add(garp);
        } else {
            na = NeighborAdvertisement.open(iface);
            closeables.add(na);
        }
        List<VipManager.Vip> stale = vips.removeStale(iface, addresses);
        if (!stale.isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, "vrrp " + config.name() + ": removed stale VIPs " + stale + " from "
                    + iface + " (left by an earlier run)");
        }
        machine = new VrrpStateMachine(VrrpStateMachine.Settings.of(config, localAddress));

        // Trackers, all polled on (or reporting to) the scheduler thread.
        track("interface " + iface, 0, iface, true);
        for (TrackItem item : config.track().interfaces()) {
            track("interface " + item.name(), item.weight(), item.name(), false);
        }
        for (TrackItem item : config.track().services()) {
            TrackedService service = services.apply(item.name());
            if (service == null) {
                throw new IOException("vrrp " + config.name() + ": tracked service '" + item.name()
                        + "' is not running in this daemon");
            }
            Tracker t = tracker("service " + item.name(), item.weight());
            periodic.add(scheduler.scheduleWithFixedDelay(() -> setDown(t, !service.healthy()),
                    SERVICE_POLL.toMillis(), SERVICE_POLL.toMillis(), TimeUnit.MILLISECONDS));
        }
        for (TrackScript script : config.track().scripts()) {
            ScriptTracker st = new ScriptTracker(script, tracker("script '" + script.command() + "'",
                    script.weight()));
            periodic.add(scheduler.scheduleWithFixedDelay(st::runIfIdle, 0, script.interval().toMillis(),
                    TimeUnit.MILLISECONDS));
        }
        receiver = PacketReceiver.start(socket, this::received, e -> LOG.log(System.Logger.Level.WARNING,
                "vrrp " + config.name() + ": receive failed: " + e.getMessage()));
    }

    private void track(String what, int weight, String iface, boolean own) throws IOException {
        Tracker t = tracker(what, weight);
        InterfaceWatcher watcher = InterfaceWatcher.start(iface, LINK_POLL, scheduler,
                (name, up) -> setDown(t, !up));
        closeables.add(watcher);
        t.down = !watcher.isUp();
    }

    private Tracker tracker(String what, int weight) {
        Tracker t = new Tracker(what, weight);
        trackers.put(what, t);
        return t;
    }

    private void startMachine() {
        LOG.log(System.Logger.Level.INFO, describe());
        faulted = ownFault();
        if (group != null && faulted) {
            group.memberFault(config.name(), true);
        }
        long now = System.nanoTime();
        int p = effectivePriority();
        if (p != machine.priority()) {
            apply(machine.priorityChanged(p, now), null);
        }
        if (faulted) {
            apply(machine.fault(now), faultCause());
        }
        apply(machine.startup(now), faultCause());
    }

    /** The startup line: "vrrp VI_1 on eth0: vrid 51, priority 150, v3 advert 100ms, VIPs [..], multicast". */
    String describe() {
        return "vrrp " + config.name() + " on " + config.interfaceName() + ": vrid " + config.vrid() + ", priority "
                + config.priority() + ", v" + config.version() + " advert " + config.advertInterval().toMillis()
                + "ms, VIPs " + addresses + ", " + (config.unicast() == null ? "multicast"
                : "unicast from " + HostPort.text(localAddress) + " to " + destinations.stream()
                .map(HostPort::text).collect(Collectors.joining(", ")))
                + (config.preempt() ? "" : ", no preempt")
                + (config.preemptDelay().isZero() ? "" : ", preempt-delay " + config.preemptDelay().toMillis() + "ms");
    }

    // ---- events (all run on the scheduler thread) ----

    private void received(RawIpSocket.Received packet) {
        // The master-down timer runs from when the advert arrived, not from when this instance's thread got to
        // it: on a busy machine the hop between threads would otherwise delay every takeover.
        long receivedAt = System.nanoTime();
        if (packet.source().equals(localAddress)) {
            return; // our own multicast
        }
        VrrpCodec.Decoded d = VrrpCodec.decode(packet.payload(), packet.source(), packet.destination(),
                packet.ttl(), expected);
        if (d.reason() != null) {
            drops.get(d.reason()).increment();
            if (d.reason().isError()) {
                LOG.log(d.accepted() ? System.Logger.Level.WARNING : System.Logger.Level.DEBUG, "vrrp "
                        + config.name() + ": " + (d.accepted() ? "accepted with warning " : "dropped ")
                        + d.reason() + " from " + HostPort.text(packet.source()) + ": " + d.detail());
            }
        }
        if (!d.accepted()) {
            return;
        }
        advertsReceived.incrementAndGet();
        scheduler.execute(() -> {
            if (!stopped) {
                apply(machine.advertReceived(d.packet(), packet.source(), receivedAt), null);
            }
        });
    }

    private void onTimer() {
        if (!stopped) {
            long now = System.nanoTime();
            apply(group == null ? machine.tick(now) : machine.tick(now, () -> group.allowsMaster(config.name())),
                    null);
        }
    }

    private void setDown(Tracker t, boolean down) {
        if (stopped || t.down == down) {
            return;
        }
        t.down = down;
        LOG.log(down ? System.Logger.Level.WARNING : System.Logger.Level.INFO, "vrrp " + config.name() + ": "
                + t.what + " is " + (down ? "down" : "up again") + (t.weight == 0 ? "" : " (weight " + t.weight
                + ")"));
        reevaluate();
    }

    /** Called by the sync group from any thread: cause is null when no member is faulted. */
    private void groupFault(String cause) {
        post(() -> {
            groupFaultCause = cause;
            reevaluate();
        });
    }

    /** Called by the sync group from any thread: {@code leader} moved to {@code to}, this instance follows. */
    private void follow(String leader, VrrpState to) {
        post(() -> {
            if (stopped) {
                return;
            }
            long now = System.nanoTime();
            VrrpStep step = to == VrrpState.MASTER ? machine.forceMaster(now) : machine.forceBackup(now);
            if (step.state() != state) {
                LOG.log(System.Logger.Level.INFO, "vrrp sync group " + group.name() + ": " + config.name()
                        + " follows " + leader + " to " + to);
            }
            apply(step, "follows " + leader + " in sync group " + group.name());
        });
    }

    /** Runs {@code task} on the scheduler thread; dropped once the instance is stopped. */
    private void post(Runnable task) {
        try {
            scheduler.execute(task);
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
            // stopped: nothing to follow
        }
    }

    private void reevaluate() {
        if (stopped) {
            return;
        }
        long now = System.nanoTime();
        int p = effectivePriority();
        if (p != machine.priority()) {
            LOG.log(System.Logger.Level.INFO, "vrrp " + config.name() + ": priority " + machine.priority() + " -> "
                    + p);
            priority = p;
            apply(machine.priorityChanged(p, now), null);
        }
        boolean own = ownFault();
        if (group != null) {
            group.memberFault(config.name(), own); // comes back through groupFault when it changes anything
        }
        boolean fault = own || groupFaultCause != null;
        if (fault != faulted) {
            faulted = fault;
            apply(fault ? machine.fault(now) : machine.faultCleared(now), fault ? faultCause() : null);
        }
    }

    private boolean ownFault() {
        return trackers.values().stream().anyMatch(t -> t.down && t.weight == 0);
    }

    private String faultCause() {
        List<String> causes = new ArrayList<>();
        trackers.values().stream().filter(t -> t.down && t.weight == 0).forEach(t -> causes.add(t.what + " down"));
        if (groupFaultCause != null && causes.isEmpty()) {
            causes.add(groupFaultCause);
        }
        return causes.isEmpty() ? null : String.join(", ", causes);
    }

    /** Configured priority minus |weight| of each down tracker, 1..254; the owner's 255 never changes. */
    int effectivePriority() {
        if (config.isOwner()) {
            return VrrpPacket.OWNER_PRIORITY;
        }
        int p = config.priority();
        for (Tracker t : trackers.values()) {
            if (t.down && t.weight != 0) {
                p -= Math.abs(t.weight);
            }
        }
        return Math.max(1, Math.min(254, p));
    }

    // ---- actions ----

    /** Performs the step's actions and records its state; {@code cause} details a FAULT or SYNC_GROUP move. */
    private void apply(VrrpStep step, String cause) {
        VrrpState before = state;
        for (VrrpAction action : step.actions()) {
            switch (action.kind()) {
                case SEND_ADVERT -> sendAdvert(action.priority());
                case BECOME_MASTER -> becomeMaster();
                case BECOME_BACKUP, BECOME_FAULT, BECOME_STOPPED -> releaseAddresses();
                default -> throw new IllegalStateException("unknown action " + action);
            }
        }
        state = step.state();
        priority = machine.priority();
        VrrpTransition transition = null;
        if (step.state() != before) {
            List<VrrpTransition> history = machine.history();
            transition = history.get(history.size() - 1);
            transitioned(transition, cause);
        }
        schedule(step.nextDeadline());
        if (group != null) {
            group.update(config.name(), step.state(), machine.wantsMaster(), transition);
        }
    }

    private void schedule(OptionalLong deadline) {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        if (deadline.isPresent() && !stopped) {
            long delay = Math.max(0, deadline.getAsLong() - System.nanoTime());
            timer = scheduler.schedule(this::onTimer, delay, TimeUnit.NANOSECONDS);
        }
    }

    private void sendAdvert(int advertPriority) {
        VrrpPacket packet = new VrrpPacket(config.version(), config.vrid(), advertPriority, intervalCentis,
                advertised, config.authPass());
        for (InetAddress destination : destinations) {
            try {
                socket.send(VrrpCodec.encode(packet, localAddress, destination), destination);
                advertsSent.incrementAndGet();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "vrrp " + config.name() + ": advert not sent: "
                        + e.getMessage());
            }
        }
    }

    private void becomeMaster() {
        // Addresses change here, on the instance's own thread: an rtnetlink request takes microseconds, and a hop
        // to another thread would add its wake-up to every takeover. Only the announcements (with their pauses)
        // go to the io thread.
        changeAddresses(true);
        holding = true;
        io.execute(() -> {
            if (holding) {
                announce(config.garp().repeat(), config.garp().interval());
            }
        });
        if (config.garpRefresh() != null && garpRefresh == null) {
            long every = config.garpRefresh().toMillis();
            garpRefresh = scheduler.scheduleAtFixedRate(() -> io.execute(() -> {
                if (holding) {
                    announce(1, Duration.ZERO);
                }
            }), every, every, TimeUnit.MILLISECONDS);
        }
    }

    /** Gratuitous ARP or unsolicited NA for every address; on the io thread. */
    private void announce(int repeat, Duration interval) {
        try {
            if (garp != null) {
                List<Inet4Address> v4 = advertised.stream().map(a -> (Inet4Address) a).toList();
                garp.announce(v4, repeat, interval);
            } else {
                List<Inet6Address> v6 = advertised.stream().map(a -> (Inet6Address) a).toList();
                na.announce(v6, repeat, interval);
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "vrrp " + config.name() + ": announcement failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void releaseAddresses() {
        if (garpRefresh != null) {
            garpRefresh.cancel(false);
            garpRefresh = null;
        }
        if (!holding) {
            return;
        }
        holding = false;
        changeAddresses(false);
    }

    /** Adds every VIP to the interface, or removes every one; a failure is logged and the others still change. */
    private void changeAddresses(boolean add) {
        for (VipManager.Vip vip : addresses) {
            try {
                if (add) {
                    vips.add(config.interfaceName(), vip);
                } else {
                    vips.remove(config.interfaceName(), vip);
                }
            } catch (IOException e) {
                LOG.log(System.Logger.Level.ERROR, "vrrp " + config.name() + ": cannot " + (add ? "add" : "remove")
                        + " VIP " + vip + ": " + e.getMessage());
            }
        }
    }

    /** Logs the transition once the addresses are done (after the io tasks queued before it), then notifies. */
    private void transitioned(VrrpTransition t, String cause) {
        int p = machine.priority();
        String reason = reasonText(t.reason(), cause);
        io.execute(() -> {
            String vipText = t.to() == VrrpState.MASTER ? "VIPs " + addressesText() + " added"
                    : t.from() == VrrpState.MASTER ? "VIPs " + addressesText() + " removed" : "no VIPs held";
            LOG.log(t.to() == VrrpState.FAULT ? System.Logger.Level.WARNING : System.Logger.Level.INFO,
                    "vrrp " + config.name() + ": " + t.from() + " -> " + t.to() + " (" + reason + "), priority " + p
                            + ", " + vipText);
            if (config.notifyCommand() != null) {
                String stateName = t.to() == VrrpState.STOPPED ? "STOP" : t.to().name();
                exec.execute(() -> notifyCommand(stateName, p));
            }
        });
    }

    private String addressesText() {
        return addresses.stream().map(VipManager.Vip::toString).collect(Collectors.joining(", "));
    }

    private static String reasonText(VrrpTransition.Reason reason, String cause) {
        return switch (reason) {
            case STARTUP -> "startup";
            case OWNER_STARTUP -> "startup as address owner";
            case MASTER_DOWN -> "master down";
            case MASTER_RELEASED -> "master released";
            case HIGHER_PRIORITY_MASTER -> "higher-priority master";
            case FAULT -> cause == null ? "fault" : cause;
            case FAULT_CLEARED -> "fault cleared";
            case SYNC_GROUP -> cause == null ? "sync group" : cause;
            case SHUTDOWN -> "shutdown";
        };
    }

    /** keepalived's notify: {@code COMMAND INSTANCE NAME STATE PRIORITY}, output to the log. */
    private void notifyCommand(String stateName, int p) {
        List<String> command = new ArrayList<>(List.of(config.notifyCommand().trim().split("\\s+")));
        command.addAll(List.of("INSTANCE", config.name(), stateName, String.valueOf(p)));
        Outcome outcome = run(command, NOTIFY_TIMEOUT);
        LOG.log(outcome.exitCode == 0 ? System.Logger.Level.INFO : System.Logger.Level.WARNING, "vrrp "
                + config.name() + ": notify " + String.join(" ", command) + ": " + outcome.describe());
    }

    private record Outcome(int exitCode, String output, boolean timedOut) {
        String describe() {
            String out = output.strip().replaceAll("\\s*\n\\s*", "; ");
            return (timedOut ? "killed after timeout" : "exit " + exitCode) + (out.isEmpty() ? "" : ": " + out);
        }
    }

    /** Runs a command, waiting up to {@code timeout} (then kills it); on the exec thread. */
    private static Outcome run(List<String> command, Duration timeout) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            StringBuilder out = new StringBuilder();
            Thread reader = new Thread(() -> {
                try (InputStream in = p.getInputStream()) {
                    byte[] bytes = in.readNBytes(4096);
                    synchronized (out) {
                        out.append(new String(bytes, StandardCharsets.UTF_8));
                    }
                    in.transferTo(java.io.OutputStream.nullOutputStream());
                } catch (IOException e) {
                    // the process went away
                }
            });
            reader.setDaemon(true);
            reader.start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                return new Outcome(-1, "", true);
            }
            reader.join(100);
            synchronized (out) {
                return new Outcome(p.exitValue(), out.toString(), false);
            }
        } catch (IOException e) {
            return new Outcome(127, "cannot run: " + e.getMessage(), false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome(-1, "interrupted", false);
        }
    }

    /** A tracked script: run on the exec thread, fall/rise counted on the scheduler thread. */
    private final class ScriptTracker {
        private final TrackScript script;
        private final Tracker tracker;
        private boolean running;
        private int failures;
        private int successes;

        ScriptTracker(TrackScript script, Tracker tracker) {
            this.script = script;
            this.tracker = tracker;
        }

        void runIfIdle() {
            if (running || stopped) {
                return;
            }
            running = true;
            exec.execute(() -> {
                Outcome outcome = run(List.of("/bin/sh", "-c", script.command()), script.timeout());
                scheduler.execute(() -> finished(outcome));
            });
        }

        private void finished(Outcome outcome) {
            running = false;
            if (outcome.exitCode() == 0) {
                failures = 0;
                if (++successes >= script.rise()) {
                    setDown(tracker, false);
                }
            } else {
                successes = 0;
                if (++failures >= script.fall()) {
                    if (!tracker.down) {
                        LOG.log(System.Logger.Level.INFO, "vrrp " + config.name() + ": script '" + script.command()
                                + "': " + outcome.describe());
                    }
                    setDown(tracker, true);
                }
            }
        }
    }

    // ---- stop ----

    /**
     * Shuts the instance down: a master sends priority 0 (RFC 5798 §6.4.3) so a backup takes over after Skew_Time,
     * the addresses are removed, the sockets closed. Waits for all of it, up to a few seconds.
     */
    public void stop() {
        if (!stopCalled.compareAndSet(false, true)) {
            return;
        }
        try {
            scheduler.submit(() -> {
                if (stopped) {
                    return;
                }
                periodic.forEach(f -> f.cancel(false));
                apply(machine.shutdown(System.nanoTime()), null);
                stopped = true;
                if (timer != null) {
                    timer.cancel(false);
                }
            }).get(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            LOG.log(System.Logger.Level.WARNING, "vrrp " + config.name() + ": shutdown did not finish: " + e);
        }
        release();
    }

    private void release() {
        if (receiver != null) {
            receiver.close();
        }
        scheduler.shutdownNow();
        io.shutdown();
        try {
            if (!io.awaitTermination(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.log(System.Logger.Level.WARNING, "vrrp " + config.name() + ": address changes still running");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        exec.shutdown();
        List<AutoCloseable> all = new ArrayList<>(closeables);
        Collections.reverse(all);
        for (AutoCloseable c : all) {
            try {
                c.close();
            } catch (Exception e) {
                // closing is best effort
            }
        }
    }

    // ---- what an operator (and a test) can read ----

    public String name() {
        return config.name();
    }

    public VrrpInstanceConfig config() {
        return config;
    }

    public VrrpState state() {
        return state;
    }

    public int priority() {
        return priority;
    }

    /** Received packets dropped (or accepted with a warning), by reason. */
    public Map<VrrpCodec.DropReason, Long> drops() {
        Map<VrrpCodec.DropReason, Long> out = new EnumMap<>(VrrpCodec.DropReason.class);
        drops.forEach((reason, n) -> {
            if (n.sum() > 0) {
                out.put(reason, n.sum());
            }
        });
        return out;
    }

    public long advertsSent() {
        return advertsSent.get();
    }

    public long advertsReceived() {
        return advertsReceived.get();
    }

    // ---- helpers ----

    private static void requireInterface(String iface) throws IOException {
        NetworkInterface ni;
        try {
            ni = NetworkInterface.getByName(iface);
        } catch (SocketException e) {
            ni = null;
        }
        if (ni == null) {
            throw new IOException("interface " + iface + " does not exist on this host");
        }
    }

    /** The address adverts leave from: the interface's primary IPv4 address, or its IPv6 link-local address. */
    private InetAddress primaryAddress(String iface, RawIpSocket.Family family) throws IOException {
        if (family == RawIpSocket.Family.V4) {
            InetAddress a = socket.interfaceAddress();
            if (a == null) {
                throw new IOException("interface " + iface + " has no IPv4 address to send VRRP advertisements from");
            }
            return a;
        }
        NetworkInterface ni = NetworkInterface.getByName(iface);
        if (ni != null) {
            for (InetAddress a : Collections.list(ni.getInetAddresses())) {
                if (a instanceof Inet6Address && a.isLinkLocalAddress()) {
                    return InetAddress.getByAddress(a.getAddress());
                }
            }
        }
        throw new IOException("interface " + iface + " has no IPv6 link-local address to send VRRP advertisements"
                + " from");
    }

    private static ThreadFactory daemon(String name) {
        AtomicLong n = new AtomicLong();
        return r -> {
            Thread t = new Thread(r, n.getAndIncrement() == 0 ? name : name + "-" + n.get());
            t.setDaemon(true);
            return t;
        };
    }

    @Override
    public String toString() {
        return "VrrpInstance[" + config.name() + " " + state + " priority " + priority + "]";
    }
}
