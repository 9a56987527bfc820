package io.tandem.vrrp.runtime;

/**
 * A condition every instance tracks with weight 0, whatever its config says: while it is not met the instance stays
 * in FAULT, so it neither takes nor keeps the master role. The appliance holds VRRP this way until the cluster has
 * handed this node the tables (a rebooted node never serves with cold tables). {@code what} names it in the logs
 * ({@code vrrp VI_1: cluster sync is down}); {@code ready} is polled like a tracked service.
 */
public record VrrpHold(String what, TrackedService ready) {
}
