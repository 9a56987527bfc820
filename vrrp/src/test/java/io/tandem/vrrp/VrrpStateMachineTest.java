package io.tandem.vrrp;

import io.tandem.vrrp.VrrpStateMachine.Settings;
import io.tandem.vrrp.VrrpTransition.Reason;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.List;
import java.util.OptionalLong;

import static io.tandem.vrrp.VrrpCodecTest.ip;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Every RFC 5798 §6.4 transition (and keepalived's FAULT, preempt-delay, tracking) on a virtual clock. */
class VrrpStateMachineTest {
    private static final long MS = 1_000_000L;
    private static final long S = 1_000 * MS;
    /** An arbitrary origin: the machine only compares differences. */
    private static final long T0 = 123_456_789_000L;
    private static final InetAddress LOCAL = ip("10.10.10.11");
    private static final InetAddress HIGHER = ip("10.10.10.12");
    private static final InetAddress LOWER = ip("10.10.10.10");

    private static VrrpStateMachine machine(int priority) {
        return machine(3, priority, 100, true, 0);
    }

    private static VrrpStateMachine machine(int version, int priority, int intervalCentis, boolean preempt,
                                            long preemptDelay) {
        return new VrrpStateMachine(new Settings(version, priority, intervalCentis, preempt, preemptDelay, LOCAL));
    }

    private static void assertStep(VrrpStep step, VrrpState state, Long deadline, String... actions) {
        assertEquals(List.of(actions), step.actions().stream().map(VrrpAction::toString).toList());
        assertEquals(state, step.state());
        assertEquals(deadline == null ? OptionalLong.empty() : OptionalLong.of(deadline), step.nextDeadline());
    }

    /** A master at priority {@code p} that has run for a while (started as backup, took over at T0 + down). */
    private static VrrpStateMachine master(int priority, long[] since) {
        VrrpStateMachine m = machine(priority);
        m.startup(T0);
        since[0] = T0 + m.masterDownIntervalNanos();
        m.tick(since[0]);
        assertEquals(VrrpState.MASTER, m.state());
        return m;
    }

    @Test
    void ownerStartsAsMasterAtOnce() {
        VrrpStateMachine m = machine(255);
        assertStep(m.startup(T0), VrrpState.MASTER, T0 + S, "SEND_ADVERT(255)", "BECOME_MASTER");
        assertEquals(List.of(new VrrpTransition(VrrpState.INITIALIZE, VrrpState.MASTER, Reason.OWNER_STARTUP, T0)),
                m.history());
        assertStep(m.tick(T0 + S), VrrpState.MASTER, T0 + 2 * S, "SEND_ADVERT(255)");
    }

    @Test
    void backupTakesOverAfterExactlyMasterDownInterval() {
        VrrpStateMachine m = machine(100);
        long down = T0 + 3_600 * MS; // 3 x 1s + (156 x 100cs / 256 = 60cs)
        assertStep(m.startup(T0), VrrpState.BACKUP, down, "BECOME_BACKUP");
        assertStep(m.tick(down - 1), VrrpState.BACKUP, down);
        assertStep(m.tick(down), VrrpState.MASTER, down + S, "SEND_ADVERT(100)", "BECOME_MASTER");
        assertStep(m.tick(down + S - 1), VrrpState.MASTER, down + S);
        assertStep(m.tick(down + S), VrrpState.MASTER, down + 2 * S, "SEND_ADVERT(100)");
        assertEquals(List.of(
                new VrrpTransition(VrrpState.INITIALIZE, VrrpState.BACKUP, Reason.STARTUP, T0),
                new VrrpTransition(VrrpState.BACKUP, VrrpState.MASTER, Reason.MASTER_DOWN, down)), m.history());
    }

    @Test
    void v2BackupUsesTheV2Skew() {
        VrrpStateMachine m = machine(2, 100, 100, true, 0);
        assertStep(m.startup(T0), VrrpState.BACKUP, T0 + 3_609_375_000L, "BECOME_BACKUP");
    }

    @Test
    void backupHearingAdvertsStaysBackup() {
        VrrpStateMachine m = machine(100);
        m.startup(T0);
        long t = T0;
        for (int i = 1; i <= 20; i++) {
            t = T0 + i * S;
            m.tick(t);
            assertStep(m.advertReceived(200, 100, HIGHER, t), VrrpState.BACKUP, t + 3_600 * MS);
        }
        assertStep(m.tick(t + 3_600 * MS - 1), VrrpState.BACKUP, t + 3_600 * MS);
        assertEquals(1, m.history().size());
    }

    @Test
    void backupWithPreemptTakesOverFromALowerPriorityMaster() {
        VrrpStateMachine m = machine(150); // skew 106 x 100 / 256 = 41cs
        m.startup(T0);
        long down = T0 + 3_410 * MS;
        for (long t = T0 + S; t < down; t += S) {
            // Lower priority: discarded, so the timer set at startup is not reset.
            assertStep(m.advertReceived(100, 100, LOWER, t), VrrpState.BACKUP, down);
        }
        assertStep(m.tick(down), VrrpState.MASTER, down + S, "SEND_ADVERT(150)", "BECOME_MASTER");
    }

    @Test
    void backupWithPreemptAcceptsAnEqualPriorityMaster() {
        VrrpStateMachine m = machine(100);
        m.startup(T0);
        // RFC 5798 §6.4.2: "greater than or equal to the local Priority": no tie-break in Backup.
        assertStep(m.advertReceived(100, 100, LOWER, T0 + S), VrrpState.BACKUP, T0 + S + 3_600 * MS);
    }

    @Test
    void backupWithoutPreemptNeverTakesOverFromALiveLowerPriorityMaster() {
        VrrpStateMachine m = machine(3, 150, 100, false, 0);
        m.startup(T0);
        long t = T0;
        for (int i = 1; i <= 30; i++) {
            t = T0 + i * S;
            m.tick(t);
            assertStep(m.advertReceived(100, 100, LOWER, t), VrrpState.BACKUP, t + 3_410 * MS);
        }
        // ...but takes over when that master goes silent.
        assertStep(m.tick(t + 3_410 * MS), VrrpState.MASTER, t + 4_410 * MS, "SEND_ADVERT(150)", "BECOME_MASTER");
    }

    @Test
    void preemptDelayAcceptsALowerMasterUntilTheDelayIsOver() {
        VrrpStateMachine m = machine(3, 150, 100, true, 5 * S);
        m.startup(T0);
        long lastAccepted = 0;
        for (long t = T0 + 500 * MS; t < T0 + 5 * S; t += S) { // 0.5s .. 4.5s: within the delay
            assertStep(m.advertReceived(100, 100, LOWER, t), VrrpState.BACKUP, t + 3_410 * MS);
            lastAccepted = t;
        }
        long down = lastAccepted + 3_410 * MS; // T0 + 7.91s
        assertEquals(T0 + 7_910 * MS, down);
        for (long t = T0 + 5_500 * MS; t < down; t += S) { // delay over: discarded
            assertStep(m.advertReceived(100, 100, LOWER, t), VrrpState.BACKUP, down);
            m.tick(t);
        }
        assertStep(m.tick(down), VrrpState.MASTER, down + S, "SEND_ADVERT(150)", "BECOME_MASTER");
    }

    @Test
    void preemptDelayRestartsWhenAHigherPriorityMasterIsHeard() {
        VrrpStateMachine m = machine(3, 150, 100, true, 5 * S);
        m.startup(T0);
        m.advertReceived(200, 100, HIGHER, T0 + 10 * S); // higher master: the delay counts from here
        m.advertReceived(100, 100, LOWER, T0 + 14 * S);  // within 5s of it: accepted
        assertEquals(OptionalLong.of(T0 + 14 * S + 3_410 * MS), m.nextDeadline());
        assertStep(m.advertReceived(100, 100, LOWER, T0 + 15 * S), VrrpState.BACKUP, T0 + 17_410 * MS);
    }

    @Test
    void masterStepsDownForAHigherPriority() {
        long[] since = new long[1];
        VrrpStateMachine m = master(100, since);
        long t = since[0] + 500 * MS;
        assertStep(m.advertReceived(200, 100, LOWER, t), VrrpState.BACKUP, t + 3_600 * MS, "BECOME_BACKUP");
        assertEquals(new VrrpTransition(VrrpState.MASTER, VrrpState.BACKUP, Reason.HIGHER_PRIORITY_MASTER, t),
                m.history().get(m.history().size() - 1));
    }

    @Test
    void masterDiscardsALowerPriority() {
        long[] since = new long[1];
        VrrpStateMachine m = master(100, since);
        assertStep(m.advertReceived(99, 100, HIGHER, since[0] + 1), VrrpState.MASTER, since[0] + S);
    }

    @Test
    void equalPriorityIsWonByTheHigherAddress() {
        long[] since = new long[1];
        VrrpStateMachine m = master(100, since);
        assertStep(m.advertReceived(100, 100, LOWER, since[0] + 1), VrrpState.MASTER, since[0] + S);
        assertStep(m.advertReceived(100, 100, HIGHER, since[0] + 2), VrrpState.BACKUP, since[0] + 2 + 3_600 * MS,
                "BECOME_BACKUP");
    }

    @Test
    void addressesCompareAsUnsignedNumbers() {
        assertEquals(1, Integer.signum(VrrpStateMachine.compare(ip("10.0.0.200"), ip("10.0.0.100"))));
        assertEquals(-1, Integer.signum(VrrpStateMachine.compare(ip("10.0.0.1"), ip("192.168.0.1"))));
        assertEquals(1, Integer.signum(VrrpStateMachine.compare(ip("fe80::ff00"), ip("fe80::1"))));
        assertEquals(0, VrrpStateMachine.compare(ip("fe80::1"), ip("fe80::1")));
    }

    @Test
    void shutdownAsMasterSendsPriorityZero() {
        long[] since = new long[1];
        VrrpStateMachine m = master(100, since);
        assertStep(m.shutdown(since[0] + 10), VrrpState.STOPPED, null, "SEND_ADVERT(0)", "BECOME_STOPPED");
        assertStep(m.tick(since[0] + 10 * S), VrrpState.STOPPED, null);
        assertStep(m.advertReceived(0, 100, HIGHER, since[0] + 11 * S), VrrpState.STOPPED, null);
        assertStep(m.shutdown(since[0] + 12 * S), VrrpState.STOPPED, null);
        // A restart initialises again.
        assertStep(m.startup(since[0] + 20 * S), VrrpState.BACKUP, since[0] + 20 * S + 3_600 * MS, "BECOME_BACKUP");
    }

    @Test
    void backupHearingPriorityZeroTakesOverAfterSkewTime() {
        VrrpStateMachine m = machine(100);
        m.startup(T0);
        m.advertReceived(200, 100, HIGHER, T0 + S);
        long released = T0 + 1_500 * MS;
        assertStep(m.advertReceived(0, 100, HIGHER, released), VrrpState.BACKUP, released + 600 * MS);
        assertStep(m.tick(released + 600 * MS), VrrpState.MASTER, released + 1_600 * MS,
                "SEND_ADVERT(100)", "BECOME_MASTER");
        assertEquals(Reason.MASTER_RELEASED, m.history().get(1).reason());
    }

    @Test
    void backupAtPriority254TakesOverAtOnceAfterPriorityZero() {
        VrrpStateMachine m = machine(254); // skew 2 x 100 / 256 = 0cs
        m.startup(T0);
        assertStep(m.advertReceived(0, 100, HIGHER, T0 + S), VrrpState.BACKUP, T0 + S);
        assertStep(m.tick(T0 + S), VrrpState.MASTER, T0 + 2 * S, "SEND_ADVERT(254)", "BECOME_MASTER");
    }

    @Test
    void shutdownOfTheMasterHandsOverToTheBackupViaSkewTime() {
        long[] since = new long[1];
        VrrpStateMachine a = master(200, since);
        VrrpStateMachine b = machine(100);
        b.startup(since[0]);
        b.advertReceived(200, 100, LOCAL, since[0] + 100 * MS);
        long stop = since[0] + 700 * MS;
        VrrpStep bye = a.shutdown(stop);
        assertEquals(VrrpAction.sendAdvert(0), bye.actions().get(0));
        b.advertReceived(bye.actions().get(0).priority(), 100, LOCAL, stop);
        assertStep(b.tick(stop + 600 * MS), VrrpState.MASTER, stop + 1_600 * MS, "SEND_ADVERT(100)",
                "BECOME_MASTER");
    }

    @Test
    void masterHearingPriorityZeroAdvertisesAtOnce() {
        long[] since = new long[1];
        VrrpStateMachine m = master(100, since);
        long t = since[0] + 300 * MS;
        assertStep(m.advertReceived(0, 100, HIGHER, t), VrrpState.MASTER, t + S, "SEND_ADVERT(100)");
    }

    @Test
    void v3BackupLearnsTheMastersInterval() {
        VrrpStateMachine m = machine(100); // own interval 1s
        m.startup(T0);
        assertEquals(100, m.masterAdverIntervalCentis());
        long t = T0 + 200 * MS;
        // 3 x 100ms + (156 x 10cs / 256 = 6cs)
        assertStep(m.advertReceived(200, 10, HIGHER, t), VrrpState.BACKUP, t + 360 * MS);
        assertEquals(10, m.masterAdverIntervalCentis());
        assertStep(m.tick(t + 360 * MS), VrrpState.MASTER, t + 360 * MS + S, "SEND_ADVERT(100)", "BECOME_MASTER");
    }

    @Test
    void masterSteppingDownLearnsTheNewMastersInterval() {
        long[] since = new long[1];
        VrrpStateMachine m = master(100, since);
        long t = since[0] + 1;
        assertStep(m.advertReceived(200, 10, HIGHER, t), VrrpState.BACKUP, t + 360 * MS, "BECOME_BACKUP");
    }

    @Test
    void v2NeverLearnsAnInterval() {
        VrrpStateMachine m = machine(2, 100, 100, true, 0);
        m.startup(T0);
        m.advertReceived(200, 300, HIGHER, T0 + S);
        assertEquals(100, m.masterAdverIntervalCentis());
        assertEquals(OptionalLong.of(T0 + S + 3_609_375_000L), m.nextDeadline());
    }

    @Test
    void faultFromBackupStopsTimersUntilCleared() {
        VrrpStateMachine m = machine(100);
        m.startup(T0);
        assertStep(m.fault(T0 + S), VrrpState.FAULT, null, "BECOME_FAULT");
        assertStep(m.tick(T0 + 100 * S), VrrpState.FAULT, null);
        assertStep(m.advertReceived(0, 100, HIGHER, T0 + 100 * S), VrrpState.FAULT, null);
        assertStep(m.fault(T0 + 101 * S), VrrpState.FAULT, null);
        long back = T0 + 200 * S;
        assertStep(m.faultCleared(back), VrrpState.BACKUP, back + 3_600 * MS, "BECOME_BACKUP");
        assertEquals(new VrrpTransition(VrrpState.FAULT, VrrpState.BACKUP, Reason.FAULT_CLEARED, back),
                m.history().get(2));
    }

    @Test
    void faultFromMasterSendsPriorityZeroFirst() {
        long[] since = new long[1];
        VrrpStateMachine m = master(100, since);
        assertStep(m.fault(since[0] + 1), VrrpState.FAULT, null, "SEND_ADVERT(0)", "BECOME_FAULT");
    }

    @Test
    void ownerRecoveringFromFaultIsMasterAtOnce() {
        VrrpStateMachine m = machine(255);
        m.startup(T0);
        m.fault(T0 + S);
        assertStep(m.faultCleared(T0 + 2 * S), VrrpState.MASTER, T0 + 3 * S, "SEND_ADVERT(255)", "BECOME_MASTER");
    }

    @Test
    void faultBeforeStartupStartsInFault() {
        VrrpStateMachine m = machine(100);
        assertStep(m.fault(T0), VrrpState.INITIALIZE, null);
        assertStep(m.startup(T0 + 1), VrrpState.FAULT, null, "BECOME_FAULT");
        assertStep(m.faultCleared(T0 + 2), VrrpState.BACKUP, T0 + 2 + 3_600 * MS, "BECOME_BACKUP");
    }

    @Test
    void trackingLowersTheMastersAdvertisedPriority() {
        long[] since = new long[1];
        VrrpStateMachine m = master(150, since);
        assertStep(m.priorityChanged(50, since[0] + 1), VrrpState.MASTER, since[0] + S);
        assertStep(m.tick(since[0] + S), VrrpState.MASTER, since[0] + 2 * S, "SEND_ADVERT(50)");
        // A backup at 100 with preempt discards the lowered master's adverts and takes over.
        VrrpStateMachine b = machine(100);
        b.startup(since[0]);
        b.advertReceived(50, 100, LOWER, since[0] + S);
        assertEquals(OptionalLong.of(since[0] + 3_600 * MS), b.nextDeadline());
    }

    @Test
    void trackingRaisesABackupAboveTheMasterSoItPreempts() {
        VrrpStateMachine m = machine(100);
        m.startup(T0);
        m.advertReceived(150, 100, HIGHER, T0 + S); // accepted: down at T0 + 4.6s
        m.priorityChanged(200, T0 + 1_500 * MS);
        assertStep(m.advertReceived(150, 100, HIGHER, T0 + 2 * S), VrrpState.BACKUP, T0 + 4_600 * MS);
        assertStep(m.tick(T0 + 4_600 * MS), VrrpState.MASTER, T0 + 5_600 * MS, "SEND_ADVERT(200)",
                "BECOME_MASTER");
    }

    @Test
    void aBackupsNewPriorityChangesItsSkewFromTheNextReset() {
        VrrpStateMachine m = machine(100);
        m.startup(T0);
        m.priorityChanged(50, T0 + 1); // 206 x 100 / 256 = 80cs
        assertEquals(OptionalLong.of(T0 + 3_600 * MS), m.nextDeadline());
        assertStep(m.advertReceived(200, 100, HIGHER, T0 + S), VrrpState.BACKUP, T0 + S + 3_800 * MS);
        assertThrows(IllegalArgumentException.class, () -> m.priorityChanged(0, T0));
        assertThrows(IllegalArgumentException.class, () -> m.priorityChanged(256, T0));
    }

    @Test
    void theClockMayWrap() {
        long start = Long.MAX_VALUE - S;
        VrrpStateMachine m = machine(100);
        long down = start + 3_600 * MS; // overflows to a negative number
        assertStep(m.startup(start), VrrpState.BACKUP, down, "BECOME_BACKUP");
        assertStep(m.tick(start + S), VrrpState.BACKUP, down);
        assertStep(m.tick(down), VrrpState.MASTER, down + S, "SEND_ADVERT(100)", "BECOME_MASTER");
    }

    @Test
    void eventsBeforeStartupAreIgnoredAndStartupIsOnce() {
        VrrpStateMachine m = machine(100);
        assertStep(m.tick(T0), VrrpState.INITIALIZE, null);
        assertStep(m.advertReceived(200, 100, HIGHER, T0), VrrpState.INITIALIZE, null);
        m.startup(T0);
        assertStep(m.startup(T0 + S), VrrpState.BACKUP, T0 + 3_600 * MS);
    }

    @Test
    void historyKeepsTheLatestTransitions() {
        VrrpStateMachine m = machine(100);
        m.startup(T0);
        for (int i = 1; i <= 100; i++) {
            m.fault(T0 + i * S);
            m.faultCleared(T0 + i * S + 1);
        }
        List<VrrpTransition> history = m.history();
        assertEquals(VrrpStateMachine.HISTORY_SIZE, history.size());
        assertEquals(new VrrpTransition(VrrpState.FAULT, VrrpState.BACKUP, Reason.FAULT_CLEARED, T0 + 100 * S + 1),
                history.get(history.size() - 1));
    }

    @Test
    void syncGroupHoldsABackupWhoseMasterDownTimerRunsOut() {
        VrrpStateMachine m = machine(100);
        long down = T0 + 3_600 * MS;
        m.startup(T0);
        assertEquals(false, m.wantsMaster());
        // The group says no: still backup, wanting master, the timer restarted for a full interval.
        assertStep(m.tick(down, () -> false), VrrpState.BACKUP, down + 3_600 * MS);
        assertEquals(true, m.wantsMaster());
        // A lower-priority master is discarded (preempt): still wanting.
        assertStep(m.advertReceived(50, 100, LOWER, down + S), VrrpState.BACKUP, down + 3_600 * MS);
        assertEquals(true, m.wantsMaster());
        // The group says yes at the next expiry.
        assertStep(m.tick(down + 3_600 * MS, () -> true), VrrpState.MASTER, down + 4_600 * MS,
                "SEND_ADVERT(100)", "BECOME_MASTER");
        assertEquals(true, m.wantsMaster());
        assertEquals(Reason.MASTER_DOWN, m.history().get(1).reason());
    }

    @Test
    void heldBackupStopsWantingMasterWhenItAcceptsAMaster() {
        VrrpStateMachine m = machine(100);
        long down = T0 + 3_600 * MS;
        m.startup(T0);
        m.tick(down, () -> false);
        assertStep(m.advertReceived(150, 100, HIGHER, down + S), VrrpState.BACKUP, down + S + 3_600 * MS);
        assertEquals(false, m.wantsMaster());
    }

    @Test
    void syncGroupIsAskedOnlyWhenTheMasterDownTimerRunsOut() {
        long[] since = new long[1];
        VrrpStateMachine m = master(100, since);
        assertStep(m.tick(since[0] + S, () -> {
            throw new AssertionError("a master's Adver_Timer does not ask the group");
        }), VrrpState.MASTER, since[0] + 2 * S, "SEND_ADVERT(100)");
        VrrpStateMachine b = machine(100);
        b.startup(T0);
        assertStep(b.tick(T0 + S, () -> {
            throw new AssertionError("not due yet");
        }), VrrpState.BACKUP, T0 + 3_600 * MS);
    }

    @Test
    void forceMasterTakesABackupToMasterAtOnce() {
        VrrpStateMachine m = machine(100);
        m.startup(T0);
        assertStep(m.forceMaster(T0 + S), VrrpState.MASTER, T0 + 2 * S, "SEND_ADVERT(100)", "BECOME_MASTER");
        assertEquals(new VrrpTransition(VrrpState.BACKUP, VrrpState.MASTER, Reason.SYNC_GROUP, T0 + S),
                m.history().get(1));
        assertStep(m.forceMaster(T0 + S + 1), VrrpState.MASTER, T0 + 2 * S);
        assertEquals(2, m.history().size());
    }

    @Test
    void forceBackupSendsPriorityZeroAndStartsTheMasterDownTimer() {
        long[] since = new long[1];
        VrrpStateMachine m = master(100, since);
        long t = since[0] + 500 * MS;
        assertStep(m.forceBackup(t), VrrpState.BACKUP, t + 3_600 * MS, "SEND_ADVERT(0)", "BECOME_BACKUP");
        assertEquals(new VrrpTransition(VrrpState.MASTER, VrrpState.BACKUP, Reason.SYNC_GROUP, t),
                m.history().get(m.history().size() - 1));
        assertEquals(false, m.wantsMaster());
        assertStep(m.forceBackup(t + 1), VrrpState.BACKUP, t + 3_600 * MS);
    }

    @Test
    void forcedMovesLeaveFaultInitializeAndStoppedAlone() {
        VrrpStateMachine m = machine(100);
        assertStep(m.forceMaster(T0), VrrpState.INITIALIZE, null);
        m.fault(T0);
        m.startup(T0);
        assertStep(m.forceMaster(T0 + 1), VrrpState.FAULT, null);
        assertStep(m.forceBackup(T0 + 2), VrrpState.FAULT, null);
        m.shutdown(T0 + 3);
        assertStep(m.forceMaster(T0 + 4), VrrpState.STOPPED, null);
    }
}
