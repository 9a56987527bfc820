package io.tandem.vrrp.runtime;

import io.tandem.vrrp.VrrpState;
import io.tandem.vrrp.io.Vip;
import io.tandem.vrrp.io.VipManager;

import java.io.IOException;
import java.net.InetAddress;
import java.util.List;
import java.util.stream.Collectors;

/**
 * An instance's virtual addresses on its interface: added when it becomes master, removed when it stops being master.
 * As keepalived does, every entry to BACKUP or FAULT (startup included) also removes those the instance did not add
 * (left by a process that was killed, or added by hand), and logs it. A VIP that is the interface's own address (the
 * one advertisements leave from) is never added or removed: it is the operator's, and gets a warning at startup.
 * Changes are made on the instance's thread (an rtnetlink request takes microseconds); {@link #holding} may be read
 * from any thread.
 */
final class VipOwnership {
    private static final System.Logger LOG = System.getLogger(VipOwnership.class.getName());

    private final String instance;
    private final String iface;
    private final List<Vip> vips;
    private final List<Vip> managed;
    private final VipManager manager;
    private volatile boolean holding;

    /** {@code ownAddress}: the interface's address that advertisements leave from. */
    VipOwnership(String instance, String iface, List<Vip> vips, InetAddress ownAddress, VipManager manager) {
        this.instance = instance;
        this.iface = iface;
        this.vips = List.copyOf(vips);
        this.managed = vips.stream().filter(v -> !v.address().equals(ownAddress)).toList();
        this.manager = manager;
        for (Vip own : vips.stream().filter(v -> v.address().equals(ownAddress)).toList()) {
            LOG.log(System.Logger.Level.WARNING, "vrrp " + instance + ": VIP " + own + " is " + iface
                    + "'s own address (advertisements leave from it): it stays on " + iface
                    + " in every state, Tandem never adds or removes it");
        }
    }

    /** Whether the addresses are on the interface as this instance's, as master. */
    boolean holding() {
        return holding;
    }

    /** {@code 198.18.0.100/24, 198.18.0.101/24}. */
    String text() {
        return vips.stream().map(Vip::toString).collect(Collectors.joining(", "));
    }

    /** Adds every address; a failure is logged and the others are still added. */
    void take() {
        change(true);
        holding = true;
    }

    /**
     * On leaving MASTER for {@code entering}, removes every address; in BACKUP or FAULT without having been master,
     * removes those that are on the interface all the same.
     */
    void release(VrrpState entering) {
        if (holding) {
            holding = false;
            change(false);
        } else if (entering == VrrpState.BACKUP || entering == VrrpState.FAULT) {
            removeStale(entering);
        }
    }

    /** Adds every address, or removes every one; a failure is logged and the others still change. */
    private void change(boolean add) {
        for (Vip vip : managed) {
            try {
                if (add) {
                    manager.add(iface, vip);
                } else {
                    manager.remove(iface, vip);
                }
            } catch (IOException e) {
                LOG.log(System.Logger.Level.ERROR, "vrrp " + instance + ": cannot " + (add ? "add" : "remove")
                        + " VIP " + vip + ": " + e.getMessage());
            }
        }
    }

    private void removeStale(VrrpState entering) {
        try {
            List<Vip> removed = manager.removeStale(iface, managed);
            if (!removed.isEmpty()) {
                LOG.log(System.Logger.Level.WARNING, "vrrp " + instance + ": entering " + entering
                        + ", this node is not master: removed " + removed.stream().map(Vip::toString)
                        .collect(Collectors.joining(", ")) + " from " + iface
                        + " (left by a process that was killed, or added by hand)");
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.ERROR, "vrrp " + instance + ": entering " + entering + ", cannot remove"
                    + " VIPs this node does not hold from " + iface + ": " + e.getMessage());
        }
    }
}
