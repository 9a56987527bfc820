package io.tandem.vrrp;

/** One state change, for logs, notify commands and sync groups: {@code atNanos} is the injected clock's. */
public record VrrpTransition(VrrpState from, VrrpState to, Reason reason, long atNanos) {

    public enum Reason {
        /** Started (or fault cleared) without owning the addresses: listen for a master first. */
        STARTUP,
        /** Started (or fault cleared) as the address owner, priority 255: master at once. */
        OWNER_STARTUP,
        /** No advertisement from a master for Master_Down_Interval. */
        MASTER_DOWN,
        /** The master announced it is leaving (priority 0): taken over after Skew_Time. */
        MASTER_RELEASED,
        /** As master, heard a higher priority (or an equal one from a higher address). */
        HIGHER_PRIORITY_MASTER,
        /** Something tracked failed. */
        FAULT,
        /** Whatever failed is back: the instance initialises again. */
        FAULT_CLEARED,
        /** Moved with its sync group: another member of the group changed state. */
        SYNC_GROUP,
        SHUTDOWN
    }
}
