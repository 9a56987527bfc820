package io.tandem.cluster;

/**
 * What the daemon does with what its peers share, and what it gives them; the cluster calls it on its own threads
 * (changes on one control thread, one at a time) and sends each outcome back to the peer that shared it.
 */
public interface SharedState {

    /** Applies a peer's admin change as the runtime API applies its own. */
    Outcome applyServer(ServerChange change, String from);

    /**
     * Merges the peer's shared sections with this node's own, checks the result as {@code tandem check} does and
     * applies it only when it passes.
     */
    Outcome applyConfig(ConfigOffer offer, String from);

    /**
     * The shared sections this node runs, as a reload would send them, for a peer that runs an older config (it
     * rejoined after a reload here); null when there is nothing to send (no config file).
     */
    ConfigOffer runningConfig();

    /** The TLS session-ticket keys this node uses now, exported for a peer (see {@link #useTicketKeys}). */
    byte[] ticketKeys();

    /** Makes the pair's session-ticket keys (the coordinator's) this node's, so a ticket resumes on either node. */
    void useTicketKeys(byte[] keys, String from);
}
