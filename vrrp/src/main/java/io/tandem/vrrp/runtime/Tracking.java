package io.tandem.vrrp.runtime;

import io.tandem.vrrp.VrrpPacket;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * What an instance's tracked interfaces, services and scripts make of its priority, counted as keepalived does: the
 * configured priority minus |weight| of every item that is down, within 1..254 (an owner's 255 never changes); an
 * item of weight 0 that is down is a fault, and so is a fault of another member of its sync group. Pure, no I/O:
 * confined to the instance's thread.
 */
final class Tracking {

    /** One tracked thing: what it is ({@code interface eth1}), its weight, and whether it is down now. */
    static final class Item {
        private final String what;
        private final int weight;
        private boolean down;

        private Item(String what, int weight, boolean down) {
            this.what = what;
            this.weight = weight;
            this.down = down;
        }

        String what() {
            return what;
        }

        int weight() {
            return weight;
        }

        boolean isDown() {
            return down;
        }

        @Override
        public String toString() {
            return what + (down ? " down" : " up") + (weight == 0 ? "" : " (weight " + weight + ")");
        }
    }

    private final int configuredPriority;
    private final List<Item> items = new ArrayList<>();
    private String groupFault;

    /** @param configuredPriority 1..255, the instance's {@code priority} */
    Tracking(int configuredPriority) {
        if (configuredPriority < 1 || configuredPriority > VrrpPacket.OWNER_PRIORITY) {
            throw new IllegalArgumentException("priority must be 1..255: " + configuredPriority);
        }
        this.configuredPriority = configuredPriority;
    }

    /** Tracks one more thing, down or not to begin with. */
    Item add(String what, int weight, boolean down) {
        Item item = new Item(what, weight, down);
        items.add(item);
        return item;
    }

    /** Records whether {@code item} is down. @return whether that changed it */
    boolean set(Item item, boolean down) {
        if (item.down == down) {
            return false;
        }
        item.down = down;
        return true;
    }

    /** The priority to run with: configured minus |weight| of each down item, 1..254; an owner's stays 255. */
    int priority() {
        if (configuredPriority == VrrpPacket.OWNER_PRIORITY) {
            return VrrpPacket.OWNER_PRIORITY;
        }
        int p = configuredPriority;
        for (Item item : items) {
            if (item.down && item.weight != 0) {
                p -= Math.abs(item.weight);
            }
        }
        return Math.max(1, Math.min(VrrpPacket.OWNER_PRIORITY - 1, p));
    }

    /** Whether an item of weight 0 is down: the instance's own fault, which its sync group hears of. */
    boolean ownFault() {
        return items.stream().anyMatch(Tracking::faults);
    }

    /** Why the sync group is faulted ({@code sync group G1: VI_2 in fault}); null when no member is. */
    void groupFault(String cause) {
        groupFault = cause;
    }

    /** Whether the instance belongs in FAULT: its own fault or its sync group's. */
    boolean faulted() {
        return ownFault() || groupFault != null;
    }

    /**
     * Why it is faulted: the weightless items that are down ({@code interface eth0 down, script 'x' down}), else the
     * sync group's cause; null when it is not.
     */
    String faultCause() {
        String cause = items.stream().filter(Tracking::faults).map(i -> i.what + " down")
                .collect(Collectors.joining(", "));
        return cause.isEmpty() ? groupFault : cause;
    }

    private static boolean faults(Item item) {
        return item.down && item.weight == 0;
    }
}
