package io.tandem.vrrp.runtime;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A sync group ({@code vrrp.sync-groups}): while any member is faulted by what it tracks, every member is in FAULT
 * (keepalived's vrrp_sync_group, its FAULT half: addresses that only work together move together).
 */
final class SyncGroup {
    private final String name;
    private final List<VrrpInstance> members = new ArrayList<>();
    private final Set<String> faulted = new LinkedHashSet<>();

    SyncGroup(String name) {
        this.name = name;
    }

    String name() {
        return name;
    }

    synchronized void add(VrrpInstance member) {
        members.add(member);
    }

    /** A member's own fault (from its trackers) changed: every member learns whether the group is faulted. */
    void memberFault(String member, boolean fault) {
        List<VrrpInstance> notify;
        String cause;
        synchronized (this) {
            boolean changed = fault ? faulted.add(member) : faulted.remove(member);
            if (!changed) {
                return;
            }
            notify = List.copyOf(members);
            cause = faulted.isEmpty() ? null : "sync group " + name + ": " + String.join(", ", faulted) + " in fault";
        }
        for (VrrpInstance m : notify) {
            m.groupFault(cause);
        }
    }
}
