package io.tandem.core.config;

import java.util.List;

/** {@code vrrp.sync-groups.NAME: [VI_1, VI_2]}: instances that fail over together; each names an instance. */
public record SyncGroupConfig(String name, List<String> instances, SourcePos pos) {
}
