package io.tandem.vrrp;

import io.tandem.core.config.VrrpInstanceConfig;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.function.BooleanSupplier;

/**
 * One VRRP instance's state machine, RFC 5798 §6.4 (and RFC 3768 §6.4 for v2), with no I/O and no clock of its
 * own: every event carries {@code nowNanos} (a {@link System#nanoTime()}-like monotonic clock; only differences
 * are compared, so it may wrap), and each returns the {@link VrrpAction}s to perform and when to call
 * {@link #tick} next. Not thread-safe: drive one instance from one thread (its event loop).
 *
 * <p>Beyond the RFC, as keepalived does: FAULT (tracking says the instance must not serve; a master leaving
 * it sends priority 0 so a backup takes over after Skew_Time), STOPPED, priority changes from tracking (carried
 * by the next advertisement; a backup's new Skew_Time applies from the next reset of its Master_Down_Timer), and
 * preempt-delay: after startup, and after hearing a higher-priority master, a backup that would preempt a
 * lower-priority master keeps accepting its advertisements for {@code preemptDelay}, then discards them so its
 * Master_Down_Timer runs out.
 *
 * <p>Sync groups (keepalived's {@code vrrp_sync_group}): a member's Master_Down_Timer asks the group before the
 * member becomes master ({@link #tick(long, BooleanSupplier)}); when the group says no, the member stays backup,
 * "wants master" ({@link #wantsMaster()}) and restarts the timer, so a group never flaps between two nodes when
 * only some of its members hear a better master. {@link #forceMaster} and {@link #forceBackup} move a member with
 * its group.
 */
public final class VrrpStateMachine {
    /** How many transitions {@link #history()} keeps. */
    public static final int HISTORY_SIZE = 64;

    /**
     * What the state machine needs of an instance: version, (configured) priority, own advertisement interval
     * in centiseconds, preempt and preempt-delay, and the primary address it advertises from, which breaks ties
     * between equal priorities.
     */
    public record Settings(int version, int priority, int advertIntervalCentis, boolean preempt,
                           long preemptDelayNanos, InetAddress localAddress) {
        public Settings {
            if (version != 2 && version != 3) {
                throw new IllegalArgumentException("version must be 2 or 3");
            }
            checkPriority(priority);
            VrrpTiming.toCentis(version, Duration.ofMillis(advertIntervalCentis * 10L));
            if (preemptDelayNanos < 0) {
                throw new IllegalArgumentException("preempt delay must not be negative");
            }
            Objects.requireNonNull(localAddress, "localAddress");
        }

        /** The settings of {@code config}, advertising from {@code localAddress}. */
        public static Settings of(VrrpInstanceConfig config, InetAddress localAddress) {
            return new Settings(config.version(), config.priority(),
                    VrrpTiming.toCentis(config.version(), config.advertInterval()), config.preempt(),
                    config.preemptDelay().toNanos(), localAddress);
        }
    }

    private final Settings settings;
    private final Deque<VrrpTransition> history = new ArrayDeque<>();
    private VrrpState state = VrrpState.INITIALIZE;
    private int priority;
    private boolean faulted;
    /** v3 learns it from the master's advertisements; v2 always uses its own. */
    private int masterAdverCentis;
    private boolean adverTimerRunning;
    private long adverTimerAt;
    private boolean masterDownTimerRunning;
    private long masterDownTimerAt;
    /** Whether the running Master_Down_Timer was shortened to Skew_Time by a priority-0 advertisement. */
    private boolean masterReleased;
    private boolean preemptWindowSet;
    private long preemptAllowedAt;
    /** BACKUP only: the Master_Down_Timer ran out but the sync group held the instance back. */
    private boolean masterDownHeld;

    public VrrpStateMachine(Settings settings) {
        this.settings = settings;
        this.priority = settings.priority();
        this.masterAdverCentis = settings.advertIntervalCentis();
    }

    public VrrpState state() {
        return state;
    }

    /** The current priority (the configured one, or what tracking made of it). */
    public int priority() {
        return priority;
    }

    /** Master_Adver_Interval in centiseconds: learned from the master (v3) or our own (v2, and until learned). */
    public int masterAdverIntervalCentis() {
        return masterAdverCentis;
    }

    /** Skew_Time for the current priority and Master_Adver_Interval. */
    public long skewNanos() {
        return VrrpTiming.skewNanos(settings.version(), priority, masterAdverCentis);
    }

    /** Master_Down_Interval for the current priority and Master_Adver_Interval. */
    public long masterDownIntervalNanos() {
        return VrrpTiming.masterDownNanos(settings.version(), priority, masterAdverCentis);
    }

    /** When {@link #tick} must be called next; empty when no timer runs. */
    public OptionalLong nextDeadline() {
        if (adverTimerRunning) {
            return OptionalLong.of(adverTimerAt);
        }
        return masterDownTimerRunning ? OptionalLong.of(masterDownTimerAt) : OptionalLong.empty();
    }

    /** The latest state changes, oldest first (at most {@link #HISTORY_SIZE}). */
    public List<VrrpTransition> history() {
        return List.copyOf(history);
    }

    /** Startup event (from INITIALIZE or STOPPED): to FAULT if a fault is pending, else RFC 5798 §6.4.1. */
    public VrrpStep startup(long nowNanos) {
        List<VrrpAction> actions = new ArrayList<>();
        if (state == VrrpState.INITIALIZE || state == VrrpState.STOPPED) {
            if (faulted) {
                enterFault(actions, VrrpTransition.Reason.FAULT, nowNanos);
            } else {
                initialize(actions, false, nowNanos);
            }
        }
        return step(actions);
    }

    /** Shutdown event: a master sends priority 0 first (RFC 5798 §6.4.3); every state goes to STOPPED. */
    public VrrpStep shutdown(long nowNanos) {
        List<VrrpAction> actions = new ArrayList<>();
        if (state != VrrpState.STOPPED) {
            if (state == VrrpState.MASTER) {
                actions.add(VrrpAction.sendAdvert(VrrpPacket.STOP_PRIORITY));
            }
            cancelTimers();
            actions.add(VrrpAction.BECOME_STOPPED);
            transition(VrrpState.STOPPED, VrrpTransition.Reason.SHUTDOWN, nowNanos);
        }
        return step(actions);
    }

    /** Fires the timers that are due at {@code nowNanos}; calling it early or twice does nothing. */
    public VrrpStep tick(long nowNanos) {
        return tick(nowNanos, () -> true);
    }

    /**
     * {@link #tick(long)} for a sync-group member: when the Master_Down_Timer fires, {@code groupAllowsMaster} is
     * asked (once) whether the group lets this member become master. If not, the member stays BACKUP wanting
     * master and restarts its Master_Down_Timer (keepalived: a group prefers backup to thrashing).
     */
    public VrrpStep tick(long nowNanos, BooleanSupplier groupAllowsMaster) {
        List<VrrpAction> actions = new ArrayList<>();
        if (state == VrrpState.BACKUP && masterDownTimerRunning && due(masterDownTimerAt, nowNanos)) {
            // RFC 5798 §6.4.2: Master_Down_Timer fires.
            if (groupAllowsMaster.getAsBoolean()) {
                becomeMaster(actions, masterReleased ? VrrpTransition.Reason.MASTER_RELEASED
                        : VrrpTransition.Reason.MASTER_DOWN, nowNanos);
            } else {
                startMasterDownTimer(nowNanos);
                masterDownHeld = true;
            }
        } else if (state == VrrpState.MASTER && adverTimerRunning && due(adverTimerAt, nowNanos)) {
            // RFC 5798 §6.4.3: Adver_Timer fires.
            actions.add(VrrpAction.sendAdvert(priority));
            startAdverTimer(nowNanos);
        }
        return step(actions);
    }

    /** {@link #advertReceived(int, int, InetAddress, long)} for a decoded packet. */
    public VrrpStep advertReceived(VrrpPacket packet, InetAddress source, long nowNanos) {
        return advertReceived(packet.priority(), packet.intervalCentis(), source, nowNanos);
    }

    /**
     * An ADVERTISEMENT that passed {@link VrrpCodec#decode}: its priority, its (Max) Adver Int in centiseconds
     * and the sender's address (the IP source).
     */
    public VrrpStep advertReceived(int advertPriority, int adverIntervalCentis, InetAddress source, long nowNanos) {
        List<VrrpAction> actions = new ArrayList<>();
        if (state == VrrpState.BACKUP) {
            backupReceived(advertPriority, adverIntervalCentis, nowNanos);
        } else if (state == VrrpState.MASTER) {
            masterReceived(advertPriority, adverIntervalCentis, source, actions, nowNanos);
        }
        return step(actions);
    }

    /**
     * Tracking changed the priority (1..255). A master advertises it from its next advertisement; a backup
     * uses it for Skew_Time from the next reset of Master_Down_Timer and for its preemption decisions at once.
     */
    public VrrpStep priorityChanged(int newPriority, long nowNanos) {
        checkPriority(newPriority);
        priority = newPriority;
        return step(List.of());
    }

    /** Something tracked failed: leave BACKUP or MASTER (a master sends priority 0) for FAULT. */
    public VrrpStep fault(long nowNanos) {
        List<VrrpAction> actions = new ArrayList<>();
        faulted = true;
        if (state == VrrpState.MASTER || state == VrrpState.BACKUP) {
            if (state == VrrpState.MASTER) {
                actions.add(VrrpAction.sendAdvert(VrrpPacket.STOP_PRIORITY));
            }
            enterFault(actions, VrrpTransition.Reason.FAULT, nowNanos);
        }
        return step(actions);
    }

    /** Whatever failed is back: from FAULT, initialise again as at startup (RFC 5798 §6.4.1). */
    public VrrpStep faultCleared(long nowNanos) {
        List<VrrpAction> actions = new ArrayList<>();
        faulted = false;
        if (state == VrrpState.FAULT) {
            initialize(actions, true, nowNanos);
        }
        return step(actions);
    }

    /**
     * True when the instance is MASTER, or a BACKUP whose Master_Down_Timer ran out while its sync group held it
     * back (and it has accepted no advertisement since): on its own it would be master.
     */
    public boolean wantsMaster() {
        return state == VrrpState.MASTER || (state == VrrpState.BACKUP && masterDownHeld);
    }

    /** Its sync group moved to MASTER: a BACKUP becomes master at once (other states ignore it). */
    public VrrpStep forceMaster(long nowNanos) {
        List<VrrpAction> actions = new ArrayList<>();
        if (state == VrrpState.BACKUP) {
            becomeMaster(actions, VrrpTransition.Reason.SYNC_GROUP, nowNanos);
        }
        return step(actions);
    }

    /**
     * Its sync group moved to BACKUP: a MASTER sends priority 0 (so the peer backup takes over after Skew_Time)
     * and becomes backup, its Master_Down_Timer running (other states ignore it).
     */
    public VrrpStep forceBackup(long nowNanos) {
        List<VrrpAction> actions = new ArrayList<>();
        if (state == VrrpState.MASTER) {
            actions.add(VrrpAction.sendAdvert(VrrpPacket.STOP_PRIORITY));
            adverTimerRunning = false;
            masterAdverCentis = settings.advertIntervalCentis();
            startMasterDownTimer(nowNanos);
            setPreemptWindow(nowNanos);
            actions.add(VrrpAction.BECOME_BACKUP);
            transition(VrrpState.BACKUP, VrrpTransition.Reason.SYNC_GROUP, nowNanos);
        }
        return step(actions);
    }

    /** RFC 5798 §6.4.1. */
    private void initialize(List<VrrpAction> actions, boolean afterFault, long now) {
        if (priority == VrrpPacket.OWNER_PRIORITY) {
            becomeMaster(actions, afterFault ? VrrpTransition.Reason.FAULT_CLEARED
                    : VrrpTransition.Reason.OWNER_STARTUP, now);
            return;
        }
        masterAdverCentis = settings.advertIntervalCentis();
        startMasterDownTimer(now);
        setPreemptWindow(now);
        actions.add(VrrpAction.BECOME_BACKUP);
        transition(VrrpState.BACKUP, afterFault ? VrrpTransition.Reason.FAULT_CLEARED
                : VrrpTransition.Reason.STARTUP, now);
    }

    /** RFC 5798 §6.4.2, "If an ADVERTISEMENT is received". */
    private void backupReceived(int advertPriority, int adverIntervalCentis, long now) {
        if (advertPriority == VrrpPacket.STOP_PRIORITY) {
            masterDownTimerAt = now + skewNanos();
            masterDownTimerRunning = true;
            masterReleased = true;
            return;
        }
        boolean preempt = settings.preempt() || priority == VrrpPacket.OWNER_PRIORITY;
        if (!preempt || advertPriority >= priority || inPreemptDelay(now)) {
            if (settings.version() == 3) {
                masterAdverCentis = adverIntervalCentis;
            }
            startMasterDownTimer(now);
            if (advertPriority > priority || !preemptWindowSet) {
                setPreemptWindow(now);
            }
        }
        // Otherwise (preempt, lower priority, delay over): discard, so Master_Down_Timer runs out.
    }

    /** RFC 5798 §6.4.3, "If an ADVERTISEMENT is received". */
    private void masterReceived(int advertPriority, int adverIntervalCentis, InetAddress source,
                                List<VrrpAction> actions, long now) {
        if (advertPriority == VrrpPacket.STOP_PRIORITY) {
            actions.add(VrrpAction.sendAdvert(priority));
            startAdverTimer(now);
            return;
        }
        if (advertPriority > priority
                || (advertPriority == priority && compare(source, settings.localAddress()) > 0)) {
            adverTimerRunning = false;
            if (settings.version() == 3) {
                masterAdverCentis = adverIntervalCentis;
            }
            startMasterDownTimer(now);
            setPreemptWindow(now);
            actions.add(VrrpAction.BECOME_BACKUP);
            transition(VrrpState.BACKUP, VrrpTransition.Reason.HIGHER_PRIORITY_MASTER, now);
        }
        // Otherwise: discard.
    }

    private void becomeMaster(List<VrrpAction> actions, VrrpTransition.Reason reason, long now) {
        cancelTimers();
        actions.add(VrrpAction.sendAdvert(priority));
        actions.add(VrrpAction.BECOME_MASTER);
        startAdverTimer(now);
        preemptWindowSet = false;
        transition(VrrpState.MASTER, reason, now);
    }

    private void enterFault(List<VrrpAction> actions, VrrpTransition.Reason reason, long now) {
        cancelTimers();
        actions.add(VrrpAction.BECOME_FAULT);
        transition(VrrpState.FAULT, reason, now);
    }

    private void startAdverTimer(long now) {
        adverTimerAt = now + VrrpTiming.centisToNanos(settings.advertIntervalCentis());
        adverTimerRunning = true;
    }

    private void startMasterDownTimer(long now) {
        masterDownTimerAt = now + masterDownIntervalNanos();
        masterDownTimerRunning = true;
        masterReleased = false;
        masterDownHeld = false;
    }

    private void cancelTimers() {
        adverTimerRunning = false;
        masterDownTimerRunning = false;
        masterReleased = false;
        masterDownHeld = false;
    }

    private void setPreemptWindow(long now) {
        if (settings.preemptDelayNanos() > 0) {
            preemptAllowedAt = now + settings.preemptDelayNanos();
            preemptWindowSet = true;
        }
    }

    private boolean inPreemptDelay(long now) {
        return settings.preemptDelayNanos() > 0 && (!preemptWindowSet || !due(preemptAllowedAt, now));
    }

    private void transition(VrrpState to, VrrpTransition.Reason reason, long now) {
        if (history.size() == HISTORY_SIZE) {
            history.removeFirst();
        }
        history.addLast(new VrrpTransition(state, to, reason, now));
        state = to;
    }

    private VrrpStep step(List<VrrpAction> actions) {
        return new VrrpStep(actions, state, nextDeadline());
    }

    private static boolean due(long deadline, long now) {
        return now - deadline >= 0;
    }

    /** Addresses as unsigned big-endian numbers (RFC 5798 §6.4.3's "greater than"). */
    static int compare(InetAddress a, InetAddress b) {
        byte[] x = a.getAddress();
        byte[] y = b.getAddress();
        if (x.length != y.length) {
            return Integer.compare(x.length, y.length);
        }
        return Arrays.compareUnsigned(x, y);
    }

    private static void checkPriority(int priority) {
        if (priority < 1 || priority > 255) {
            throw new IllegalArgumentException("priority must be 1..255, got " + priority);
        }
    }
}
