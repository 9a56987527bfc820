package io.tandem.vrrp.runtime;

/**
 * A service a VRRP instance tracks ({@code track.services}): an L4 service or an L7 frontend, implemented by the
 * appliance over its runtime snapshot. Healthy while at least one server it can route to is usable; "no healthy
 * server" lowers the instance's priority by the item's weight, or puts it in FAULT for weight 0.
 *
 * <p>{@link #healthy()} is polled from the instance's scheduler thread: it must answer from memory (a volatile
 * snapshot), never block.
 */
@FunctionalInterface
public interface TrackedService {
    boolean healthy();
}
