package io.tandem.vrrp;

import java.util.List;
import java.util.OptionalLong;

/**
 * What one event produced: the actions to perform in order, the state after it, and when {@code tick} must be
 * called next (empty when no timer runs: INITIALIZE, FAULT, STOPPED).
 */
public record VrrpStep(List<VrrpAction> actions, VrrpState state, OptionalLong nextDeadline) {
    public VrrpStep {
        actions = List.copyOf(actions);
    }
}
