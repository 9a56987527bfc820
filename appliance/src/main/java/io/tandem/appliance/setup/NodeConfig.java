package io.tandem.appliance.setup;

import io.tandem.core.config.HostPort;
import io.tandem.core.config.StatsConfig;
import org.yaml.snakeyaml.nodes.NodeId;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.resolver.Resolver;

import java.net.Inet6Address;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The tandem.yaml of a node set up by the wizard: one L7 frontend on the chosen port in front of the first pool,
 * on a pair one VRRP instance with unicast adverts to the peer and the cluster with it, and the stats endpoint on
 * loopback. Same answers, same text, so running the wizard again with the same answers shows no diff.
 */
final class NodeConfig {
    static final String FRONTEND = "web";
    static final String INSTANCE = "VI_1";
    /** JGroups' usual port; failure detection takes this port + 100. */
    static final int CLUSTER_PORT = 7800;
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._/-]*(:\\d+)?");
    private static final Resolver RESOLVER = new Resolver();

    private NodeConfig() {
    }

    static String yaml(Answers a, Path configFile, Path keyFile) {
        return yaml(a, configFile, keyFile, "file:" + keyFile);
    }

    /**
     * The same text with {@code secret} as the cluster section's secret: {@code file:KEY} for the file, a
     * {@code ${NAME}} reference for the check before anything is written (the key file does not exist yet), so both
     * have the same lines.
     */
    static String yaml(Answers a, Path configFile, Path keyFile, String secret) {
        StringBuilder y = new StringBuilder();
        y.append("# ").append(configFile).append(": written by `tandem setup` for ").append(a.hostname())
                .append(" (").append(describe(a.role())).append(").\n");
        y.append("# After an edit: tandem check -c ").append(configFile).append("  then  systemctl reload tandem\n");
        if (a.role().pair() && ownAddress(a) == null) {
            y.append("#\n# The pair's cluster secret is in ").append(keyFile).append(". There is no `cluster:` section:\n");
            y.append("# its bind is this node's own address on ").append(a.vipInterface())
                    .append(", which DHCP gives; see docs/cluster.md\n");
            y.append("# (secret: file:").append(keyFile).append(").\n");
        }
        y.append("\nglobal:\n  name: ").append(scalar(a.hostname())).append("\n");
        y.append("\nl7:\n  frontends:\n    ").append(FRONTEND).append(":\n");
        if (bindsIpv6(a)) {
            y.append("      # Every address of the node (IPv6 and IPv4), so it also serves the virtual addresses.\n");
            y.append("      bind: \"[::]:").append(a.port()).append("\"\n");
        } else {
            y.append("      # Every IPv4 address of the node, so it also serves the virtual addresses.\n");
            y.append("      bind: \"*:").append(a.port()).append("\"\n");
        }
        y.append("      default-backend: ").append(scalar(a.pool())).append("\n");
        y.append("  backends:\n    ").append(scalar(a.pool())).append(":\n");
        y.append("      balance: ").append(a.balance()).append("\n");
        if (a.check().equals(Checks.TCP)) {
            y.append("      check: { tcp: true, inter: 2s, fall: 2, rise: 2 }\n");
        } else if (!a.check().equals(Checks.NONE)) {
            y.append("      check: { http: ").append(quoted("GET " + a.check()))
                    .append(", expect: status 200, inter: 2s, fall: 2, rise: 2 }\n");
        }
        y.append("      servers:\n");
        List<HostPort> servers = a.servers();
        for (int i = 0; i < servers.size(); i++) {
            y.append("        ").append(scalar(a.pool() + "-" + (i + 1))).append(": ")
                    .append(scalar(servers.get(i).toString())).append("\n");
        }
        if (a.role().pair()) {
            y.append("\nvrrp:\n  instances:\n    ").append(INSTANCE).append(":\n");
            y.append("      interface: ").append(scalar(a.vipInterface())).append("\n");
            y.append("      vrid: ").append(a.vrid()).append("   # the same on both nodes\n");
            y.append("      priority: ").append(a.priority()).append("\n");
            y.append("      advert-interval: 1s\n");
            y.append("      virtual-addresses: [").append(a.vips().stream().map(v -> scalar(v.toString()))
                    .collect(Collectors.joining(", "))).append("]\n");
            String peer = scalar(HostPort.text(a.peer()));
            if (ownAddress(a) == null) {
                y.append("      unicast: { peers: [").append(peer).append("] }   # source: the interface's address\n");
            } else {
                y.append("      unicast: { source: ").append(scalar(ownAddress(a))).append(", peers: [").append(peer)
                        .append("] }\n");
            }
            y.append("      # No usable server behind the frontend: give the virtual addresses to the other node.\n");
            y.append("      track: { services: [").append(FRONTEND).append("] }\n");
        }
        String own = ownAddress(a);
        if (own != null) {
            // The same members, in the same order, on both nodes: the first node's address first.
            String peer = HostPort.text(a.peer());
            List<String> members = a.role() == Role.FIRST ? List.of(own, peer) : List.of(peer, own);
            y.append("\ncluster:\n");
            y.append("  # Stick tables and rate counters shared with the other node (docs/cluster.md).\n");
            y.append("  name: ").append(scalar(clusterName(a))).append("   # the same on both nodes\n");
            y.append("  bind: ").append(scalar(member(own))).append("\n");
            y.append("  members: [").append(members.stream().map(m -> scalar(member(m)))
                    .collect(Collectors.joining(", "))).append("]\n");
            y.append("  secret: ").append(scalar(secret)).append("\n");
        }
        y.append("\nadmin:\n");
        y.append("  # Metrics (/metrics) and the stats page (/stats) on this node's loopback only, as the page shows\n");
        y.append("  # every server: from elsewhere, ssh -L ").append(statsBind(a).port()).append(':')
                .append(statsBind(a)).append(" to this node.\n");
        y.append("  stats: { bind: ").append(statsBind(a)).append(" }\n");
        return y.toString();
    }

    /**
     * This node's address on the virtual addresses' interface, which VRRP's unicast source and the cluster's bind
     * are: known for a static management address on that same interface, else null.
     */
    static String ownAddress(Answers a) {
        if (!a.role().pair() || a.address() == null || !a.vipInterface().equals(a.managementInterface())) {
            return null;
        }
        return HostPort.text(a.address().address());
    }

    /** The cluster's name, from what both nodes were given alike (the VRID). */
    static String clusterName(Answers a) {
        return "tandem-vrid-" + a.vrid();
    }

    private static String member(String host) {
        return new HostPort(host, CLUSTER_PORT).toString();
    }

    /** The stats endpoint's default address, one port up when the frontend took that port. */
    private static HostPort statsBind(Answers a) {
        HostPort bind = HostPort.parse(StatsConfig.DEFAULT_BIND);
        return bind.port() == a.port() ? new HostPort(bind.host(), bind.port() + 1) : bind;
    }

    static String describe(Role role) {
        return switch (role) {
            case STANDALONE -> "a standalone node";
            case FIRST -> "the first node of a pair";
            case SECOND -> "the second node of a pair";
        };
    }

    /** True when the frontend binds IPv6 too ({@code [::]}), else IPv4 only ({@code *}). */
    static boolean bindsIpv6(Answers a) {
        return (a.address() != null && !a.address().isIpv4()) || a.vips().stream().anyMatch(v -> !v.isIpv4())
                || a.peer() instanceof Inet6Address;
    }

    /** {@code text} plain when YAML reads it back as that very string, else double-quoted. */
    private static String scalar(String text) {
        if (PLAIN.matcher(text).matches() && RESOLVER.resolve(NodeId.scalar, text, true).equals(Tag.STR)) {
            return text;
        }
        return quoted(text);
    }

    private static String quoted(String text) {
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
