package io.tandem.vrrp.runtime;

import io.tandem.vrrp.VrrpAction;
import io.tandem.vrrp.VrrpState;
import io.tandem.vrrp.VrrpStateMachine;
import io.tandem.vrrp.VrrpStep;
import io.tandem.vrrp.VrrpTransition;
import io.tandem.vrrp.VrrpTransition.Reason;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sync group's rules, alone and driving real state machines on a simulated LAN with a virtual clock (no
 * sockets): members move together, and a group whose peer is the better master for only some members stays backup
 * as a whole instead of flapping.
 */
class SyncGroupTest {
    private static final long MS = 1_000_000L;
    private static final long T0 = 5_000 * MS;

    // ---- the group alone ----

    private final List<String> calls = new ArrayList<>();

    private SyncGroup group(String... names) {
        SyncGroup g = new SyncGroup("G");
        for (String n : names) {
            g.add(new SyncGroup.Member(n, (leader, to) -> calls.add(n + " follows " + leader + " to " + to),
                    cause -> calls.add(n + " group fault " + cause)));
        }
        return g;
    }

    private static VrrpTransition t(VrrpState from, VrrpState to, Reason reason) {
        return new VrrpTransition(from, to, reason, T0);
    }

    @Test
    void memberBecomingMasterTakesTheOthersToMaster() {
        SyncGroup g = group("VI_1", "VI_2", "VI_3");
        g.update("VI_2", VrrpState.MASTER, true, t(VrrpState.BACKUP, VrrpState.MASTER, Reason.MASTER_DOWN));
        assertEquals(List.of("VI_1 follows VI_2 to MASTER", "VI_3 follows VI_2 to MASTER"), calls);
    }

    @Test
    void masterHearingAHigherPriorityTakesTheOthersToBackup() {
        SyncGroup g = group("VI_1", "VI_2");
        g.update("VI_1", VrrpState.BACKUP, false,
                t(VrrpState.MASTER, VrrpState.BACKUP, Reason.HIGHER_PRIORITY_MASTER));
        assertEquals(List.of("VI_2 follows VI_1 to BACKUP"), calls);
    }

    @Test
    void movesMadeToFollowTheGroupOrToStartMoveNoOne() {
        SyncGroup g = group("VI_1", "VI_2");
        g.update("VI_1", VrrpState.MASTER, true, t(VrrpState.BACKUP, VrrpState.MASTER, Reason.SYNC_GROUP));
        g.update("VI_1", VrrpState.BACKUP, false, t(VrrpState.MASTER, VrrpState.BACKUP, Reason.SYNC_GROUP));
        g.update("VI_1", VrrpState.BACKUP, false, t(VrrpState.INITIALIZE, VrrpState.BACKUP, Reason.STARTUP));
        g.update("VI_1", VrrpState.BACKUP, false, t(VrrpState.FAULT, VrrpState.BACKUP, Reason.FAULT_CLEARED));
        g.update("VI_1", VrrpState.FAULT, false, t(VrrpState.MASTER, VrrpState.FAULT, Reason.FAULT));
        g.update("VI_1", VrrpState.STOPPED, false, t(VrrpState.MASTER, VrrpState.STOPPED, Reason.SHUTDOWN));
        g.update("VI_1", VrrpState.BACKUP, false, null);
        assertEquals(List.of(), calls);
        g.update("VI_1", VrrpState.MASTER, true, t(VrrpState.INITIALIZE, VrrpState.MASTER, Reason.OWNER_STARTUP));
        assertEquals(List.of("VI_2 follows VI_1 to MASTER"), calls);
    }

    @Test
    void backupMayBecomeMasterOnlyWhenEveryOtherMemberWantsItOrIsMaster() {
        SyncGroup g = group("VI_1", "VI_2", "VI_3");
        assertFalse(g.allowsMaster("VI_1"), "VI_2 and VI_3 still hear their masters");
        assertFalse(g.allowsMaster("VI_2"), "VI_3 still hears its master");
        assertTrue(g.allowsMaster("VI_3"), "VI_1 and VI_2 want master too");
        g.update("VI_2", VrrpState.BACKUP, false, null); // VI_2 accepted a master again
        assertFalse(g.allowsMaster("VI_1"));
        g.update("VI_3", VrrpState.MASTER, true, null);
        assertTrue(g.allowsMaster("VI_1"), "the group is master already");
        assertTrue(group("VI_1").allowsMaster("VI_1"), "alone in its group");
    }

    @Test
    void anyMemberInFaultFaultsTheGroupUntilAllRecover() {
        SyncGroup g = group("VI_1", "VI_2");
        g.memberFault("VI_1", true);
        g.memberFault("VI_1", true);
        g.memberFault("VI_2", true);
        g.memberFault("VI_1", false);
        g.memberFault("VI_2", false);
        assertEquals(List.of(
                "VI_1 group fault sync group G: VI_1 in fault", "VI_2 group fault sync group G: VI_1 in fault",
                "VI_1 group fault sync group G: VI_1, VI_2 in fault", "VI_2 group fault sync group G: VI_1, VI_2 in fault",
                "VI_1 group fault sync group G: VI_2 in fault", "VI_2 group fault sync group G: VI_2 in fault",
                "VI_1 group fault null", "VI_2 group fault null"), calls);
    }

    // ---- state machines on a simulated LAN ----

    /** One instance on one node: its state machine, its group (or none), the events posted to its own thread. */
    private final class Instance {
        final String node;
        final String name;
        final int vrid;
        final InetAddress address;
        final VrrpStateMachine machine;
        final SyncGroup group;
        final Deque<Runnable> posted = new ArrayDeque<>();
        boolean alive;

        Instance(String node, String name, int vrid, int priority, SyncGroup group) {
            this.node = node;
            this.name = name;
            this.vrid = vrid;
            this.address = address(node.equals("a") ? 11 : 12);
            this.machine = new VrrpStateMachine(new VrrpStateMachine.Settings(3, priority, 10, true, 0, address));
            this.group = group;
            if (group != null) {
                group.add(new SyncGroup.Member(name, (leader, to) -> posted.add(() -> {
                    VrrpState before = machine.state();
                    VrrpStep step = event(this, m -> to == VrrpState.MASTER ? m.forceMaster(now)
                            : m.forceBackup(now));
                    if (step.state() != before) {
                        moves.add(node + ": " + name + " follows " + leader + " to " + to);
                    }
                }), cause -> { }));
            }
        }

        VrrpState state() {
            return machine.state();
        }
    }

    /** 198.18.0.{@code last}. */
    private static InetAddress address(int last) {
        try {
            return InetAddress.getByAddress(new byte[] {(byte) 198, 18, 0, (byte) last});
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private final List<Instance> lan = new ArrayList<>();
    private final List<String> moves = new ArrayList<>();
    private final List<String> transitions = new ArrayList<>();
    private long now = T0;

    private Instance instance(String node, String name, int vrid, int priority, SyncGroup group) {
        Instance i = new Instance(node, name, vrid, priority, group);
        lan.add(i);
        return i;
    }

    /** Runs one event on the instance's machine as VrrpInstance.apply does: actions, then the group update. */
    private VrrpStep event(Instance i, Function<VrrpStateMachine, VrrpStep> e) {
        VrrpState before = i.machine.state();
        VrrpStep step = e.apply(i.machine);
        for (VrrpAction a : step.actions()) {
            if (a.kind() == VrrpAction.Kind.SEND_ADVERT) {
                for (Instance peer : lan) {
                    if (peer.alive && peer.vrid == i.vrid && !peer.node.equals(i.node)) {
                        peer.posted.add(() -> event(peer, m -> m.advertReceived(a.priority(), 10, i.address, now)));
                    }
                }
            }
        }
        VrrpTransition t = null;
        if (step.state() != before) {
            List<VrrpTransition> h = i.machine.history();
            t = h.get(h.size() - 1);
            transitions.add(i.node + ": " + i.name + " " + t.from() + " -> " + t.to() + " " + t.reason());
        }
        if (i.group != null) {
            i.group.update(i.name, step.state(), i.machine.wantsMaster(), t);
        }
        return step;
    }

    private void start(Instance... instances) {
        for (Instance i : instances) {
            i.alive = true;
            event(i, m -> m.startup(now));
        }
    }

    /** Advances the virtual clock 1 ms at a time: posted events first (1 ms "network"), then due timers. */
    private void runFor(long ms) {
        for (long end = now + ms * MS; now - end < 0; now += MS) {
            for (Instance i : lan) {
                List<Runnable> due = new ArrayList<>(i.posted);
                i.posted.clear();
                if (i.alive) {
                    due.forEach(Runnable::run);
                    event(i, m -> i.group == null ? m.tick(now) : m.tick(now, () -> i.group.allowsMaster(i.name)));
                }
            }
        }
    }

    @Test
    void groupFollowsTheMemberThatHearsABetterMasterAndDoesNotFlap() {
        SyncGroup g = new SyncGroup("G");
        Instance a1 = instance("a", "VI_1", 51, 100, g);
        Instance a2 = instance("a", "VI_2", 52, 100, g);
        Instance b1 = instance("b", "VI_1", 51, 150, null);
        Instance b2 = instance("b", "VI_2", 52, 50, null);
        start(a1, a2);
        runFor(1_000);
        assertEquals(List.of(VrrpState.MASTER, VrrpState.MASTER), List.of(a1.state(), a2.state()), "" + transitions);

        // b is the better master for VI_1 only: a's whole group goes backup, b takes both.
        start(b1, b2);
        runFor(2_000);
        assertTrue(moves.contains("a: VI_2 follows VI_1 to BACKUP"), "" + moves);
        assertEquals(List.of(VrrpState.BACKUP, VrrpState.BACKUP, VrrpState.MASTER, VrrpState.MASTER),
                List.of(a1.state(), a2.state(), b1.state(), b2.state()), "" + transitions);
        int settled = transitions.size();
        runFor(10_000);
        assertEquals(settled, transitions.size(), "no flapping: " + transitions.subList(settled, transitions.size()));
        assertTrue(a2.machine.wantsMaster(), "a's VI_2 would preempt b's priority 50 on its own");

        // b dies: a's group takes both within one Master_Down_Interval of VI_1 (3 x 100 ms + 60 ms).
        b1.alive = false;
        b2.alive = false;
        runFor(3 * 100 + 60 + 2);
        assertEquals(List.of(VrrpState.MASTER, VrrpState.MASTER), List.of(a1.state(), a2.state()), "" + transitions);
        assertTrue(moves.contains("a: VI_2 follows VI_1 to MASTER"), "" + moves);
    }

    @Test
    void withoutTheGroupEachInstanceFollowsItsOwnPriority() {
        Instance a1 = instance("a", "VI_1", 51, 100, null);
        Instance a2 = instance("a", "VI_2", 52, 100, null);
        Instance b1 = instance("b", "VI_1", 51, 150, null);
        Instance b2 = instance("b", "VI_2", 52, 50, null);
        start(a1, a2);
        runFor(1_000);
        start(b1, b2);
        runFor(3_000);
        assertEquals(List.of(VrrpState.BACKUP, VrrpState.MASTER, VrrpState.MASTER, VrrpState.BACKUP),
                List.of(a1.state(), a2.state(), b1.state(), b2.state()), "" + transitions);
    }

    @Test
    void groupMembersStartingTogetherBecomeMasterTogether() {
        SyncGroup g = new SyncGroup("G");
        Instance a1 = instance("a", "VI_1", 51, 100, g);
        Instance a2 = instance("a", "VI_2", 52, 120, g); // a shorter Master_Down_Interval: asks first
        start(a1, a2);
        runFor(400);
        assertEquals(List.of(VrrpState.MASTER, VrrpState.MASTER), List.of(a1.state(), a2.state()), "" + transitions);
        assertEquals(List.of("a: VI_2 follows VI_1 to MASTER"), moves);
    }
}
