package io.tandem.core.config;

import java.util.List;
import java.util.Set;

/**
 * The {@code cluster} block: the pair's group {@code name}, the address this node listens on for its peers, the
 * static member list (this node included), the shared secret (already read from its file or variable) and what the
 * nodes share. {@link #NONE} when the block is absent: the node runs alone.
 */
public record ClusterConfig(String name, HostPort bind, List<HostPort> members, String secret, Set<Share> share,
                            SourcePos pos) {

    /** No {@code cluster} block. */
    public static final ClusterConfig NONE = new ClusterConfig(null, null, List.of(), null, Set.of(), null);

    public ClusterConfig {
        members = List.copyOf(members);
        share = Set.copyOf(share);
    }

    /** True when the block is present. */
    public boolean enabled() {
        return name != null;
    }

    /** What the nodes of the cluster keep in common, by {@code share} keyword. */
    public enum Share {
        /** Stick-table entries: which server each key sticks to. */
        STICK_TABLES("stick-tables"),
        /** The stick tables' counters, kept per node and summed, so a rate limit holds for the pair. */
        RATE_LIMITS("rate-limits"),
        /** Admin states and weights set by the runtime API ({@code enable|disable|drain server}, {@code set weight}). */
        SERVER_STATES("server-states"),
        /** The shared config sections ({@code defaults}, {@code l7}, {@code l4}), sent on reload, checked before apply. */
        CONFIG("config");

        private final String keyword;

        Share(String keyword) {
            this.keyword = keyword;
        }

        public String keyword() {
            return keyword;
        }
    }
}
