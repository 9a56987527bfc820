package io.tandem.core.config;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Reads the {@code cluster} block. {@code share} defaults to {@code stick-tables} and {@code rate-limits};
 * {@code server-states} (admin states and weights set by the runtime API) and {@code config} (the shared sections
 * sent on reload) are opt-in, since each lets one node change the other.
 */
final class ClusterLoader {
    static final List<String> CLUSTER_KEYS = List.of("name", "bind", "members", "secret", "share");
    /** The least secret that still takes a brute-force search out of reach (the setup wizard writes 32 bytes). */
    static final int MIN_SECRET_BYTES = 16;

    private final NodeReader reader;

    ClusterLoader(NodeReader reader) {
        this.reader = reader;
    }

    ClusterConfig load(Block top) {
        if (!top.has("cluster")) {
            return ClusterConfig.NONE;
        }
        Block c = top.block("cluster", CLUSTER_KEYS);
        if (c == null) {
            return ClusterConfig.NONE;
        }
        String name = c.string("name");
        if (name == null || name.isBlank()) {
            reader.error(c.pos(), "cluster needs a 'name' (the same on every node of the pair)");
        }
        HostPort bind = address(c.located("bind"));
        if (!c.has("bind")) {
            reader.error(c.pos(), "cluster needs 'bind': the host:port this node listens on for its peers");
        } else if (bind != null && bind.isWildcard()) {
            reader.error(c.value("bind"), "cluster 'bind' must be this node's own address, not a wildcard "
                    + "(its peers connect to it)");
        }
        List<HostPort> members = new ArrayList<>();
        for (Located<String> item : c.locatedList("members")) {
            HostPort member = address(item);
            if (member != null && !members.contains(member)) {
                members.add(member);
            }
        }
        if (!c.has("members")) {
            reader.error(c.pos(), "cluster needs 'members': the host:port of every node, this one included");
        } else if (bind != null && !members.isEmpty() && !members.contains(bind)) {
            reader.error(c.value("members"), "cluster 'members' must include this node's 'bind' " + bind);
        }
        String secret = c.string("secret");
        if (!c.has("secret")) {
            reader.error(c.pos(), "cluster needs a 'secret' (file:/etc/tandem/cluster.key or ${ENV}): it "
                    + "authenticates and encrypts everything the nodes exchange");
        } else if (secret != null && secret.trim().getBytes(StandardCharsets.UTF_8).length < MIN_SECRET_BYTES) {
            reader.error(c.value("secret"), "cluster 'secret' is too short: at least " + MIN_SECRET_BYTES
                    + " bytes (tandem setup writes 32 random bytes to /etc/tandem/cluster.key)");
        }
        Set<ClusterConfig.Share> share = share(c);
        boolean ok = name != null && !name.isBlank() && bind != null && !members.isEmpty() && secret != null;
        return ok ? new ClusterConfig(name, bind, members, secret.trim(), share, c.pos()) : ClusterConfig.NONE;
    }

    private Set<ClusterConfig.Share> share(Block c) {
        if (!c.has("share")) {
            return EnumSet.of(ClusterConfig.Share.STICK_TABLES, ClusterConfig.Share.RATE_LIMITS);
        }
        Set<ClusterConfig.Share> share = EnumSet.noneOf(ClusterConfig.Share.class);
        for (Located<String> item : c.locatedList("share")) {
            ClusterConfig.Share found = null;
            for (ClusterConfig.Share s : ClusterConfig.Share.values()) {
                if (s.keyword().equals(item.value().trim())) {
                    found = s;
                }
            }
            if (found == null) {
                reader.error(item.pos(), "unknown cluster share '" + item.value() + "'; expected stick-tables, "
                        + "rate-limits, server-states or config");
            } else {
                share.add(found);
            }
        }
        return share;
    }

    private HostPort address(Located<String> text) {
        if (text == null) {
            return null;
        }
        try {
            return HostPort.parse(text.value().trim());
        } catch (IllegalArgumentException e) {
            reader.error(text.pos(), e.getMessage());
            return null;
        }
    }
}
