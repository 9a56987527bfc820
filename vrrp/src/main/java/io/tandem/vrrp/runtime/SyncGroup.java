package io.tandem.vrrp.runtime;

import io.tandem.vrrp.VrrpState;
import io.tandem.vrrp.VrrpTransition;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * A sync group ({@code vrrp.sync-groups}), keepalived's {@code vrrp_sync_group}: addresses that only work together
 * move together.
 * <ul>
 *   <li>While any member is faulted by what it tracks, every member is in FAULT.</li>
 *   <li>A member that becomes MASTER on its own (master down, owner startup) takes the others to MASTER; one that
 *       leaves MASTER for BACKUP (it heard a higher-priority master) takes the others to BACKUP.</li>
 *   <li>A backup whose Master_Down_Timer runs out becomes master only if another member already is, or every
 *       other member wants master too ({@link #allowsMaster}); otherwise it stays backup. So when a peer node is
 *       the better master for only some members, the whole group stays backup instead of flapping.</li>
 * </ul>
 *
 * <p>Thread-safe: each member reports from its own thread; the group tells the others through the callbacks of
 * {@link Member}, which must only post the move to the member's own thread (never run it inline).
 */
final class SyncGroup {
    /**
     * A member as the group sees it: {@code follow(leader, state)} moves it to {@code state} with {@code leader};
     * {@code groupFault(cause)} tells it whether the group is faulted (cause null when not).
     */
    record Member(String name, BiConsumer<String, VrrpState> follow, Consumer<String> groupFault) {
    }

    private final String name;
    private final List<Member> members = new ArrayList<>();
    private final Set<String> faulted = new LinkedHashSet<>();
    private final Map<String, VrrpState> states = new HashMap<>();
    private final Set<String> wantMaster = new HashSet<>();

    SyncGroup(String name) {
        this.name = name;
    }

    String name() {
        return name;
    }

    synchronized void add(Member member) {
        members.add(member);
        states.put(member.name(), VrrpState.INITIALIZE);
    }

    /** A member's own fault (from its trackers) changed: every member learns whether the group is faulted. */
    void memberFault(String member, boolean fault) {
        List<Member> notify;
        String cause;
        synchronized (this) {
            boolean changed = fault ? faulted.add(member) : faulted.remove(member);
            if (!changed) {
                return;
            }
            notify = List.copyOf(members);
            cause = faulted.isEmpty() ? null : "sync group " + name + ": " + String.join(", ", faulted) + " in fault";
        }
        for (Member m : notify) {
            m.groupFault().accept(cause);
        }
    }

    /**
     * Asked by a backup member whose Master_Down_Timer ran out: records that it wants master, and answers whether
     * it may become master now: when another member is MASTER, or every other member wants master too.
     */
    synchronized boolean allowsMaster(String member) {
        wantMaster.add(member);
        boolean groupIsMaster = false;
        boolean allWant = true;
        for (Member m : members) {
            if (!m.name().equals(member)) {
                groupIsMaster |= states.get(m.name()) == VrrpState.MASTER;
                allWant &= wantMaster.contains(m.name());
            }
        }
        return groupIsMaster || allWant;
    }

    /**
     * What a member's state machine says after an event: its state, whether it wants master, and the transition
     * the event made (null for none). A transition the member made on its own to MASTER, or from MASTER to BACKUP,
     * moves every other member the same way; a move made to follow the group moves no one.
     */
    void update(String member, VrrpState state, boolean wantsMaster, VrrpTransition transition) {
        List<Member> others = new ArrayList<>();
        synchronized (this) {
            states.put(member, state);
            if (wantsMaster) {
                wantMaster.add(member);
            } else {
                wantMaster.remove(member);
            }
            if (transition == null || !leads(transition)) {
                return;
            }
            for (Member m : members) {
                if (!m.name().equals(member)) {
                    others.add(m);
                }
            }
        }
        for (Member m : others) {
            m.follow().accept(member, transition.to());
        }
    }

    /** Whether the group follows this transition of one member. */
    static boolean leads(VrrpTransition t) {
        if (t.reason() == VrrpTransition.Reason.SYNC_GROUP) {
            return false;
        }
        return t.to() == VrrpState.MASTER || (t.from() == VrrpState.MASTER && t.to() == VrrpState.BACKUP);
    }
}
