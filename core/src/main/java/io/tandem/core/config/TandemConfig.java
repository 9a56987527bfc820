package io.tandem.core.config;

/** A whole config file, validated and immutable; {@code source} names the file for messages. */
public record TandemConfig(String source, GlobalConfig global, DefaultsConfig defaults, L7Config l7, L4Config l4,
                           VrrpConfig vrrp, ClusterConfig cluster, AdminConfig admin) {
}
