package io.tandem.appliance.setup;

import io.tandem.core.config.HostPort;
import io.tandem.core.config.VirtualAddress;

import java.net.InetAddress;
import java.security.SecureRandom;
import java.util.List;

/**
 * The questions, in order, each with its default and its check; which ones are asked depends on the answers
 * before (a gateway only for a static address, the pair's questions only for a pair). The same sequence serves the
 * console and the answers file, so both check alike. docs/setup-wizard.md lists the prompts: keep them in step.
 */
final class Interview {
    /** Every key an answers file may hold. */
    static final List<String> KEYS = List.of("hostname", "interface", "address", "gateway", "role", "vips",
            "vip-interface", "vrid", "priority", "peer", "secret", "pool", "servers", "port", "balance", "check");
    static final int DEFAULT_VRID = 51;
    static final int DEFAULT_PORT = 80;
    static final String DEFAULT_POOL = "app";

    private final AnswerSource source;
    private final String currentHostname;
    private final List<String> interfaces;
    private final SecureRandom random;

    Interview(AnswerSource source, String currentHostname, List<String> interfaces, SecureRandom random) {
        this.source = source;
        this.currentHostname = currentHostname;
        this.interfaces = interfaces;
        this.random = random;
    }

    /** Asks every question that applies; null fields where an answers file had an error (it reports them). */
    Answers run() throws SetupCancelled {
        String hostname = source.ask("hostname", "Hostname", currentHostname, Checks::hostname);
        source.show("Network interfaces: "
                + (interfaces.isEmpty() ? "none besides lo" : String.join(", ", interfaces)));
        String managementInterface = source.ask("interface", "Management interface",
                interfaces.isEmpty() ? null : interfaces.get(0), Checks.interfaceName(interfaces));
        String shownInterface = managementInterface == null ? "the interface" : managementInterface;
        VirtualAddress address = source.ask("address", "Address of " + shownInterface
                + " (CIDR like 192.0.2.10/24, or dhcp)", Checks.DHCP, Checks::address);
        InetAddress gateway = null;
        if (address != null) {
            gateway = source.ask("gateway", "Default gateway (IP address, or none)", Checks.NONE,
                    Checks.gateway(address));
        }
        Role role = source.ask("role", "Role (standalone, first, second)", Role.STANDALONE.word(), Checks::role);

        List<VirtualAddress> vips = List.of();
        String vipInterface = null;
        int vrid = 0;
        int priority = 0;
        InetAddress peer = null;
        ClusterSecret secret = null;
        if (role != null && role.pair()) {
            vips = orEmpty(source.ask("vips", "Virtual address(es) (CIDR, comma-separated)", null,
                    Checks.virtualAddresses(address)));
            vipInterface = source.ask("vip-interface", "Interface for the virtual address(es)", managementInterface,
                    Checks.interfaceName(interfaces));
            vrid = orZero(source.ask("vrid", "VRID, the same on both nodes (1-255)", String.valueOf(DEFAULT_VRID),
                    Checks.integer(1, 255)));
            // 255 is the address owner's priority (RFC 5798 §5.2.4): it never lets the peer take over.
            priority = orZero(source.ask("priority", "Priority of this node (1-254)",
                    String.valueOf(role.defaultPriority()), Checks.integer(1, 254)));
            peer = source.ask("peer", "Address of the other node (unicast VRRP peer)", null,
                    Checks.peer(address, vips));
            secret = role == Role.FIRST ? firstNodeSecret()
                    : source.ask("secret", "Cluster secret (as shown on the first node)", null, ClusterSecret::parse);
        }

        String pool = source.ask("pool", "Backend pool name", DEFAULT_POOL, Checks::poolName);
        List<HostPort> servers = orEmpty(source.ask("servers", "Servers of " + (pool == null ? DEFAULT_POOL : pool)
                + " (host:port, comma-separated)", null, Checks::servers));
        int port = orZero(source.ask("port", "Frontend port", String.valueOf(DEFAULT_PORT), Checks.integer(1, 65535)));
        String balance = source.ask("balance", "Balance algorithm (" + String.join(", ", Checks.balanceAlgorithms())
                + ")", Checks.balanceAlgorithms().get(0), Checks::balance);
        String check = source.ask("check", "Health check (tcp, none, or an HTTP path like /healthz)", Checks.TCP,
                Checks::check);
        return new Answers(hostname, managementInterface, address, gateway, role, vips, vipInterface, vrid, priority,
                peer, secret, pool, servers, port, balance, check);
    }

    /** The first node's secret: the answers file's when it has one, else a new one, shown once. */
    private ClusterSecret firstNodeSecret() {
        ClusterSecret given = source.given("secret", ClusterSecret::parse);
        if (given != null) {
            return given;
        }
        ClusterSecret secret = ClusterSecret.generate(random);
        source.showNewSecret(secret);
        return secret;
    }

    /** When a key that is not always asked is asked, for the answers file's "not used" error. */
    static String whenAsked(String key) {
        return key.equals("gateway") ? "a gateway only goes with a static address"
                : "it is only for a pair: role first or second";
    }

    private static <T> List<T> orEmpty(List<T> list) {
        return list == null ? List.of() : list;
    }

    private static int orZero(Integer value) {
        return value == null ? 0 : value;
    }
}
