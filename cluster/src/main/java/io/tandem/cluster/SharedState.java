package io.tandem.cluster;

/**
 * What the daemon does with what its peers share; the cluster calls it on its own control thread, one change at
 * a time, and sends the outcome back to the peer that shared it.
 */
public interface SharedState {

    /** Applies a peer's admin change as the runtime API applies its own. */
    Outcome applyServer(ServerChange change, String from);

    /**
     * Merges the peer's shared sections with this node's own, checks the result as {@code tandem check} does and
     * applies it only when it passes.
     */
    Outcome applyConfig(ConfigOffer offer, String from);
}
