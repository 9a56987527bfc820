package io.tandem.core.config;

import java.util.Map;

/**
 * The {@code vrrp} block: VRRP instances by name and sync groups by name, both in file order. A sync group's
 * instances change state together (keepalived's {@code vrrp_sync_group}).
 */
public record VrrpConfig(Map<String, VrrpInstanceConfig> instances, Map<String, SyncGroupConfig> syncGroups) {

    /** No VRRP: the node holds no virtual addresses. */
    public static final VrrpConfig EMPTY = new VrrpConfig(Map.of(), Map.of());
}
