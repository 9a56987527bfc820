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
import io.tandem.vrrp.VrrpTransition;
import io.tandem.vrrp.io.InterfaceWatcher;
import io.tandem.vrrp.io.Vip;
import io.tandem.vrrp.io.VipManager;

import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * One running VRRP instance: its {@link VrrpStateMachine} driven on one dedicated thread ({@code vrrp-NAME}: every
 * event, timer, advertisement and address change), wired to the parts that do the rest: the {@link AdvertChannel}
 * (advertisements in and out; packets are read and decoded on the receiver's own thread), {@link VipOwnership} (the
 * addresses, over rtnetlink), {@link Tracking} (priority and faults from what is tracked), the {@link Announcer}
 * (gratuitous ARP/NA, with its pauses, and the transition log lines run in order on a second thread,
 * {@code vrrp-NAME-io}, so they never delay an advertisement), and tracked scripts and the {@link Notifier} on a
 * third ({@code vrrp-NAME-exec}). {@link #stop} sends priority 0 when master and removes the addresses.
 */
public final class VrrpInstance {
    private static final System.Logger LOG = System.getLogger(VrrpInstance.class.getName());
    private static final Duration SERVICE_POLL = Duration.ofMillis(100);
    private static final Duration LINK_POLL = Duration.ofMillis(50);
    private static final Duration STOP_WAIT = Duration.ofSeconds(5);

    private final VrrpInstanceConfig config;
    private final VipManager vips;
    private final ScheduledExecutorService scheduler;
    private final ExecutorService io;
    private final ExecutorService exec;
    private final Tracking tracking;
    private final AtomicBoolean stopCalled = new AtomicBoolean();
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final List<ScheduledFuture<?>> periodic = new ArrayList<>();

    private AdvertChannel channel;
    private VipOwnership ownership;
    private Announcer announcer;
    private Notifier notifier;
    private VrrpStateMachine machine;
    private SyncGroup group;
    private volatile VrrpState state = VrrpState.INITIALIZE;
    private volatile int priority;
    private volatile PeerAdvert lastAdvert;
    private final AtomicLong transitions = new AtomicLong();
    // Scheduler-thread state.
    private ScheduledFuture<?> timer;
    private ScheduledFuture<?> garpRefresh;
    private boolean faulted;
    private boolean stopped;

    private VrrpInstance(VrrpInstanceConfig config, VipManager vips) {
        this.config = config;
        this.vips = vips;
        this.tracking = new Tracking(config.priority());
        this.priority = config.priority();
        String name = config.name();
        this.scheduler = Executors.newSingleThreadScheduledExecutor(daemon("vrrp-" + name));
        this.io = Executors.newSingleThreadExecutor(daemon("vrrp-" + name + "-io"));
        this.exec = Executors.newCachedThreadPool(daemon("vrrp-" + name + "-exec"));
    }

    /**
     * Opens the sockets for {@code config} on its interface and starts the state machine (in BACKUP, which first
     * removes stale copies of its addresses, or MASTER for an owner). {@code services} finds a tracked service by
     * name; while {@code hold} (null: none) is not met the instance stays in FAULT.
     *
     * @throws IOException with one line an operator can act on (missing interface, no CAP_NET_RAW, …)
     */
    static VrrpInstance start(VrrpInstanceConfig config, VipManager vips, Function<String, TrackedService> services,
                              SyncGroup group, VrrpHold hold) throws IOException {
        VrrpInstance instance = new VrrpInstance(config, vips);
        instance.group = group;
        if (group != null) {
            group.add(new SyncGroup.Member(config.name(), instance::follow, instance::groupFault));
        }
        try {
            instance.open(services, hold);
        } catch (IOException | RuntimeException e) {
            instance.release();
            throw e;
        }
        instance.scheduler.execute(instance::startMachine);
        return instance;
    }

    private void open(Function<String, TrackedService> services, VrrpHold hold) throws IOException {
        String iface = config.interfaceName();
        channel = AdvertChannel.open(config);
        List<InetAddress> advertised = config.virtualAddresses().stream().map(VirtualAddress::address).toList();
        announcer = Announcer.open(config.name(), iface, config.isIpv4(), advertised);
        closeables.add(announcer);
        ownership = new VipOwnership(config.name(), iface, config.virtualAddresses().stream()
                .map(a -> new Vip(a.address(), a.prefixLength())).toList(), channel.localAddress(), vips);
        machine = new VrrpStateMachine(VrrpStateMachine.Settings.of(config, channel.localAddress()));
        if (config.notifyCommand() != null) {
            notifier = new Notifier(config.name(), config.notifyCommand(), exec);
        }

        // Trackers, all polled on (or reporting to) the scheduler thread.
        watch("interface " + iface, 0, iface);
        for (TrackItem item : config.track().interfaces()) {
            watch("interface " + item.name(), item.weight(), item.name());
        }
        for (TrackItem item : config.track().services()) {
            TrackedService service = services.apply(item.name());
            if (service == null) {
                throw new IOException("vrrp " + config.name() + ": tracked service '" + item.name()
                        + "' is not running in this daemon");
            }
            Tracking.Item t = tracking.add("service " + item.name(), item.weight(), false);
            periodic.add(scheduler.scheduleWithFixedDelay(() -> setDown(t, !service.healthy()),
                    SERVICE_POLL.toMillis(), SERVICE_POLL.toMillis(), TimeUnit.MILLISECONDS));
        }
        if (hold != null) {
            Tracking.Item t = tracking.add(hold.what(), 0, !hold.ready().healthy());
            periodic.add(scheduler.scheduleWithFixedDelay(() -> setDown(t, !hold.ready().healthy()),
                    SERVICE_POLL.toMillis(), SERVICE_POLL.toMillis(), TimeUnit.MILLISECONDS));
        }
        for (TrackScript script : config.track().scripts()) {
            Tracking.Item t = tracking.add(TrackedScript.what(script), script.weight(), false);
            TrackedScript tracked = new TrackedScript(config.name(), script, exec, this::post,
                    down -> setDown(t, down));
            periodic.add(scheduler.scheduleWithFixedDelay(tracked::runIfIdle, 0, script.interval().toMillis(),
                    TimeUnit.MILLISECONDS));
        }
        channel.start(this::received);
    }

    private void watch(String what, int weight, String iface) throws IOException {
        Tracking.Item t = tracking.add(what, weight, false);
        InterfaceWatcher watcher = InterfaceWatcher.start(iface, LINK_POLL, scheduler, (name, up) -> setDown(t, !up));
        closeables.add(watcher);
        tracking.set(t, !watcher.isUp());
    }

    private void startMachine() {
        LOG.log(System.Logger.Level.INFO, describe());
        faulted = tracking.ownFault();
        if (group != null && faulted) {
            group.memberFault(config.name(), true);
        }
        long now = System.nanoTime();
        int p = tracking.priority();
        if (p != machine.priority()) {
            apply(machine.priorityChanged(p, now), null);
        }
        if (faulted) {
            apply(machine.fault(now), tracking.faultCause());
        }
        apply(machine.startup(now), tracking.faultCause());
    }

    /** The startup line: "vrrp VI_1 on eth0: vrid 51, priority 150, v3 advert 100ms, VIPs [..], multicast". */
    String describe() {
        return "vrrp " + config.name() + " on " + config.interfaceName() + ": vrid " + config.vrid() + ", priority "
                + config.priority() + ", v" + config.version() + " advert " + config.advertInterval().toMillis()
                + "ms, VIPs [" + ownership.text() + "], " + (config.unicast() == null ? "multicast"
                : "unicast from " + HostPort.text(channel.localAddress()) + " to " + channel.destinations().stream()
                .map(HostPort::text).collect(Collectors.joining(", ")))
                + (config.preempt() ? "" : ", no preempt")
                + (config.preemptDelay().isZero() ? "" : ", preempt-delay " + config.preemptDelay().toMillis() + "ms");
    }

    // ---- events (all run on the scheduler thread) ----

    /** An accepted advertisement, from the receiver's thread. */
    private void received(VrrpPacket packet, InetAddress source, long receivedAt) {
        lastAdvert = new PeerAdvert(source, packet.priority(), packet.intervalCentis(), System.currentTimeMillis());
        post(() -> {
            if (!stopped) {
                apply(machine.advertReceived(packet, source, receivedAt), null);
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

    private void setDown(Tracking.Item t, boolean down) {
        if (stopped || !tracking.set(t, down)) {
            return;
        }
        LOG.log(down ? System.Logger.Level.WARNING : System.Logger.Level.INFO, "vrrp " + config.name() + ": "
                + t.what() + " is " + (down ? "down" : "up again") + (t.weight() == 0 ? "" : " (weight "
                + t.weight() + ")"));
        reevaluate();
    }

    /** Called by the sync group from any thread: cause is null when no member is faulted. */
    private void groupFault(String cause) {
        post(() -> {
            tracking.groupFault(cause);
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
        } catch (RejectedExecutionException stopping) {
            // stopped: nothing to do
        }
    }

    private void reevaluate() {
        if (stopped) {
            return;
        }
        long now = System.nanoTime();
        int p = tracking.priority();
        if (p != machine.priority()) {
            LOG.log(System.Logger.Level.INFO, "vrrp " + config.name() + ": priority " + machine.priority() + " -> "
                    + p);
            priority = p;
            apply(machine.priorityChanged(p, now), null);
        }
        if (group != null) {
            group.memberFault(config.name(), tracking.ownFault()); // comes back through groupFault if it changes
        }
        boolean fault = tracking.faulted();
        if (fault != faulted) {
            faulted = fault;
            apply(fault ? machine.fault(now) : machine.faultCleared(now), tracking.faultCause());
        }
    }

    // ---- actions ----

    /** Performs the step's actions and records its state; {@code cause} details a FAULT or SYNC_GROUP move. */
    private void apply(VrrpStep step, String cause) {
        VrrpState before = state;
        for (VrrpAction action : step.actions()) {
            switch (action.kind()) {
                case SEND_ADVERT -> channel.send(action.priority());
                case BECOME_MASTER -> becomeMaster();
                case BECOME_BACKUP, BECOME_FAULT, BECOME_STOPPED -> releaseAddresses(step.state());
                default -> throw new IllegalStateException("unknown action " + action);
            }
        }
        state = step.state();
        priority = machine.priority();
        VrrpTransition transition = null;
        if (step.state() != before) {
            List<VrrpTransition> history = machine.history();
            transition = history.get(history.size() - 1);
            transitions.incrementAndGet();
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

    private void becomeMaster() {
        // Addresses change here, on the instance's own thread: an rtnetlink request takes microseconds, and a hop
        // to another thread would add its wake-up to every takeover. Only the announcements (with their pauses)
        // go to the io thread.
        ownership.take();
        io.execute(() -> {
            if (ownership.holding()) {
                announcer.announce(config.garp().repeat(), config.garp().interval());
            }
        });
        if (config.garpRefresh() != null && garpRefresh == null) {
            long every = config.garpRefresh().toMillis();
            garpRefresh = scheduler.scheduleAtFixedRate(() -> io.execute(() -> {
                if (ownership.holding()) {
                    announcer.announce(1, Duration.ZERO);
                }
            }), every, every, TimeUnit.MILLISECONDS);
        }
    }

    private void releaseAddresses(VrrpState entering) {
        if (garpRefresh != null) {
            garpRefresh.cancel(false);
            garpRefresh = null;
        }
        ownership.release(entering);
    }

    /** Logs the transition once the addresses are done (after the io tasks queued before it), then notifies. */
    private void transitioned(VrrpTransition t, String cause) {
        int p = machine.priority();
        String reason = reasonText(t.reason(), cause);
        io.execute(() -> {
            String vipText = t.to() == VrrpState.MASTER ? "VIPs " + ownership.text() + " added"
                    : t.from() == VrrpState.MASTER ? "VIPs " + ownership.text() + " removed" : "no VIPs held";
            LOG.log(t.to() == VrrpState.FAULT ? System.Logger.Level.WARNING : System.Logger.Level.INFO,
                    "vrrp " + config.name() + ": " + t.from() + " -> " + t.to() + " (" + reason + "), priority " + p
                            + ", " + vipText);
            if (notifier != null) {
                notifier.notify(t.to(), p);
            }
        });
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
        if (channel != null) {
            channel.close();
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
        return channel.drops();
    }

    /** State changes since start (the first, INITIALIZE to BACKUP or MASTER, included). */
    public long transitions() {
        return transitions.get();
    }

    /** The last advertisement accepted from a peer, or null when none was heard. */
    public PeerAdvert lastAdvert() {
        return lastAdvert;
    }

    public long advertsSent() {
        return channel.sent();
    }

    public long advertsReceived() {
        return channel.received();
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
