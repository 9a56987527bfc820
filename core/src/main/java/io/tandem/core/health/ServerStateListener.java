package io.tandem.core.health;

import io.tandem.core.balance.Server;

/** Observes a server going UP or DOWN (balancer pools, VRRP tracking, the cluster, the runtime API). */
@FunctionalInterface
public interface ServerStateListener {

    /**
     * Called once per transition, on an event loop, after {@link Server#setUp} took effect; must not block.
     *
     * @param reason the check result that tipped it, e.g. {@code HTTP 503, 2/2 checks failed}
     */
    void onStateChange(Server server, boolean up, String reason);
}
