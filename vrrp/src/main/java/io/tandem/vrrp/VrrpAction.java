package io.tandem.vrrp;

/**
 * Something the I/O layer must do for the state machine, in list order. {@code priority} is set for
 * {@link Kind#SEND_ADVERT} only (0 for the others).
 */
public record VrrpAction(Kind kind, int priority) {
    public static final VrrpAction BECOME_MASTER = new VrrpAction(Kind.BECOME_MASTER, 0);
    public static final VrrpAction BECOME_BACKUP = new VrrpAction(Kind.BECOME_BACKUP, 0);
    public static final VrrpAction BECOME_FAULT = new VrrpAction(Kind.BECOME_FAULT, 0);
    public static final VrrpAction BECOME_STOPPED = new VrrpAction(Kind.BECOME_STOPPED, 0);

    public enum Kind {
        /** Send an ADVERTISEMENT with {@code priority} (0: the master is leaving) and the configured interval. */
        SEND_ADVERT,
        /** Add the virtual addresses and announce them: gratuitous ARP (IPv4) or unsolicited NA (IPv6). */
        BECOME_MASTER,
        /** Hold no virtual addresses (remove them if present). */
        BECOME_BACKUP,
        /** Hold no virtual addresses; stay silent until the fault clears. */
        BECOME_FAULT,
        /** Hold no virtual addresses; the instance is shut down. */
        BECOME_STOPPED;

        /** True when, after this action, the node must hold the virtual addresses. */
        public boolean holdsAddresses() {
            return this == BECOME_MASTER;
        }
    }

    public static VrrpAction sendAdvert(int priority) {
        return new VrrpAction(Kind.SEND_ADVERT, priority);
    }

    @Override
    public String toString() {
        return kind == Kind.SEND_ADVERT ? "SEND_ADVERT(" + priority + ")" : kind.name();
    }
}
