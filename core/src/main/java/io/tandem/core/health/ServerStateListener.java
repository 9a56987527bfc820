package io.tandem.core.health;

import io.tandem.core.balance.Server;

/** Observes a server going UP or DOWN: the pools of L7 backends and L4 services, which rebuild their balancers. */
@FunctionalInterface
public interface ServerStateListener {

    /**
     * Called once per transition, on an event loop, after {@link Server#setUp} took effect; must not block.
     *
     * @param reason the check result that tipped it, e.g. {@code HTTP 503, 2/2 checks failed}
     */
    void onStateChange(Server server, boolean up, String reason);
}
