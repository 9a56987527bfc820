package io.tandem.appliance.setup;

import io.tandem.core.config.BalanceConfig;
import io.tandem.core.config.Cidr;
import io.tandem.core.config.ConfigValues;
import io.tandem.core.config.HostPort;
import io.tandem.core.config.VirtualAddress;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The check of every answer, shared by the prompts and the answers file: each parser returns the value or throws
 * {@link BadAnswer} with the reason in words an operator acts on. The parsers reuse the config's own parsing
 * ({@link HostPort}, {@link VirtualAddress}, {@link Cidr}), so an accepted answer is one the config accepts.
 */
final class Checks {
    private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");
    private static final Pattern POOL_NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_.-]{0,63}");
    private static final Pattern DIGITS = Pattern.compile("\\d{1,9}");
    private static final Pattern LIST_SEPARATOR = Pattern.compile("[,\\s]+");
    static final String DHCP = "dhcp";
    static final String NONE = "none";
    static final String TCP = "tcp";

    private Checks() {
    }

    /** A host name as RFC 1123 allows: dot-separated labels of letters, digits and inner hyphens. */
    static String hostname(String text) throws BadAnswer {
        if (text.length() > 253) {
            throw new BadAnswer("a host name has at most 253 characters; this one has " + text.length());
        }
        for (String label : text.split("\\.", -1)) {
            if (!LABEL.matcher(label).matches()) {
                throw new BadAnswer("'" + text + "' is not a host name (letters, digits and '-', in labels of 1 to "
                        + "63 characters separated by dots, no '-' at either end of a label)");
            }
        }
        return text;
    }

    /** One of this host's interfaces. */
    static AnswerParser<String> interfaceName(List<String> interfaces) {
        return text -> {
            if (!interfaces.contains(text)) {
                throw new BadAnswer("unknown interface '" + text + "': this host has "
                        + (interfaces.isEmpty() ? "none besides lo" : String.join(", ", interfaces)));
            }
            return text;
        };
    }

    /** The management address: null for {@code dhcp}, else an address with its prefix length. */
    static VirtualAddress address(String text) throws BadAnswer {
        if (text.equalsIgnoreCase(DHCP)) {
            return null;
        }
        VirtualAddress address = cidr(text);
        Cidr subnet = Cidr.parse(address.toString());
        int bits = address.address().getAddress().length * 8;
        if (address.prefixLength() < bits - 1 && address.address().equals(subnet.network())) {
            throw new BadAnswer(text + " is the network address of " + subnet + "; give this node's own address");
        }
        if (address.isIpv4() && address.prefixLength() < 31 && isBroadcast(address)) {
            throw new BadAnswer(text + " is the broadcast address of " + subnet + "; give this node's own address");
        }
        return address;
    }

    /** The default gateway of a static address: none, or an address inside its subnet. */
    static AnswerParser<InetAddress> gateway(VirtualAddress own) {
        return text -> {
            if (text.equalsIgnoreCase(NONE)) {
                return null;
            }
            InetAddress gateway = ip(text);
            Cidr subnet = Cidr.parse(own.toString());
            if ((gateway instanceof Inet4Address) != own.isIpv4()) {
                throw new BadAnswer("gateway " + text + " is " + family(gateway) + " but the address " + own + " is "
                        + family(own.address()));
            }
            // An IPv6 router is usually reached at its link-local address, outside the node's prefix.
            if (!subnet.contains(gateway) && !(gateway instanceof Inet6Address && gateway.isLinkLocalAddress())) {
                throw new BadAnswer("gateway " + text + " is not in " + subnet + ", the subnet of " + own);
            }
            if (gateway.equals(own.address())) {
                throw new BadAnswer("gateway " + text + " is this node's own address");
            }
            return gateway;
        };
    }

    static Role role(String text) throws BadAnswer {
        for (Role role : Role.values()) {
            if (role.word().equalsIgnoreCase(text)) {
                return role;
            }
        }
        throw new BadAnswer("unknown role '" + text + "': answer standalone, first or second");
    }

    /** One or more virtual addresses, of one family, none of them this node's own address. */
    static AnswerParser<List<VirtualAddress>> virtualAddresses(VirtualAddress own) {
        return text -> {
            List<VirtualAddress> vips = new ArrayList<>();
            Set<InetAddress> seen = new LinkedHashSet<>();
            for (String item : items(text, "a virtual address like 192.0.2.100/24")) {
                VirtualAddress vip = cidr(item);
                if (!vips.isEmpty() && vip.isIpv4() != vips.get(0).isIpv4()) {
                    throw new BadAnswer(item + " is " + family(vip.address()) + " but " + vips.get(0) + " is "
                            + family(vips.get(0).address()) + ": one address family per pair");
                }
                if (!seen.add(vip.address())) {
                    throw new BadAnswer(item + " is listed twice");
                }
                if (own != null && vip.address().equals(own.address())) {
                    throw new BadAnswer(item + " is this node's own address; a virtual address is a spare one that "
                            + "moves between the nodes");
                }
                vips.add(vip);
            }
            return List.copyOf(vips);
        };
    }

    /** An integer in {@code min..max}. */
    static AnswerParser<Integer> integer(int min, int max) {
        return text -> {
            if (!DIGITS.matcher(text).matches() || Integer.parseInt(text) < min || Integer.parseInt(text) > max) {
                throw new BadAnswer(text + " is not in " + min + ".." + max);
            }
            return Integer.parseInt(text);
        };
    }

    /** The other node's address: the virtual addresses' family, not this node's nor a virtual address. */
    static AnswerParser<InetAddress> peer(VirtualAddress own, List<VirtualAddress> vips) {
        return text -> {
            InetAddress peer = ip(text);
            if (!vips.isEmpty() && (peer instanceof Inet4Address) != vips.get(0).isIpv4()) {
                throw new BadAnswer(text + " is " + family(peer) + " but the virtual addresses are "
                        + family(vips.get(0).address()));
            }
            if (own != null && peer.equals(own.address())) {
                throw new BadAnswer(text + " is this node's own address; give the other node's");
            }
            if (vips.stream().anyMatch(vip -> vip.address().equals(peer))) {
                throw new BadAnswer(text + " is a virtual address; give the other node's own address");
            }
            return peer;
        };
    }

    /** A backend name: a letter, then letters, digits, {@code _ . -}. */
    static String poolName(String text) throws BadAnswer {
        if (!POOL_NAME.matcher(text).matches()) {
            throw new BadAnswer("'" + text + "' is not a pool name (a letter, then letters, digits, '_', '.' or '-';"
                    + " up to 64)");
        }
        return text;
    }

    /** One or more {@code host:port} servers, each once. */
    static List<HostPort> servers(String text) throws BadAnswer {
        List<HostPort> servers = new ArrayList<>();
        for (String item : items(text, "a server like 192.0.2.21:8080")) {
            HostPort server;
            try {
                server = HostPort.parse(item);
            } catch (IllegalArgumentException e) {
                throw new BadAnswer(e.getMessage());
            }
            if (server.isWildcard()) {
                throw new BadAnswer(item + " is not a server's address (a wildcard is for listening)");
            }
            if (servers.contains(server)) {
                throw new BadAnswer(item + " is listed twice");
            }
            resolvable(server.host());
            servers.add(server);
        }
        return List.copyOf(servers);
    }

    /** The algorithms a first pool can take from one word ({@code hdr} needs a header name). */
    static List<String> balanceAlgorithms() {
        return Arrays.stream(BalanceConfig.Algorithm.values())
                .filter(a -> a != BalanceConfig.Algorithm.HDR)
                .map(BalanceConfig.Algorithm::configName)
                .toList();
    }

    static String balance(String text) throws BadAnswer {
        if (!balanceAlgorithms().contains(text)) {
            throw new BadAnswer("unknown balance algorithm '" + text + "': answer one of "
                    + String.join(", ", balanceAlgorithms()));
        }
        return text;
    }

    /** {@code tcp}, {@code none}, or the path of an HTTP check. */
    static String check(String text) throws BadAnswer {
        if (text.equals(TCP) || text.equals(NONE)) {
            return text;
        }
        if (!text.startsWith("/") || text.chars().anyMatch(c -> c <= ' ' || c >= 0x7f)) {
            throw new BadAnswer("'" + text + "' is not a health check: answer tcp, none, or an HTTP path starting "
                    + "with / (like /healthz)");
        }
        return text;
    }

    private static VirtualAddress cidr(String text) throws BadAnswer {
        if (text.indexOf('/') < 0) {
            throw new BadAnswer("'" + text + "' has no prefix length: write it in CIDR form, like 192.0.2.10/24");
        }
        try {
            return VirtualAddress.parse(text);
        } catch (IllegalArgumentException e) {
            throw new BadAnswer("'" + text + "' is not an address in CIDR form (like 192.0.2.10/24 or "
                    + "2001:db8::10/64)");
        }
    }

    private static InetAddress ip(String text) throws BadAnswer {
        InetAddress address = ConfigValues.parseIpLiteral(text);
        if (address == null) {
            throw new BadAnswer("'" + text + "' is not an IP address (like 192.0.2.1 or 2001:db8::1)");
        }
        return address;
    }

    /** The check resolves server names too: a name that does not resolve is refused here, where it is typed. */
    private static void resolvable(String host) throws BadAnswer {
        if (ConfigValues.parseIpLiteral(host) != null) {
            return;
        }
        try {
            InetAddress.getAllByName(host);
        } catch (UnknownHostException e) {
            throw new BadAnswer("cannot resolve host '" + host + "' here; give its IP address, or fix this host's DNS");
        }
    }

    private static List<String> items(String text, String example) throws BadAnswer {
        List<String> items = Arrays.stream(LIST_SEPARATOR.split(text.strip())).filter(s -> !s.isEmpty()).toList();
        if (items.isEmpty()) {
            throw new BadAnswer("give at least one: " + example);
        }
        return items;
    }

    private static boolean isBroadcast(VirtualAddress address) {
        byte[] bytes = address.address().getAddress();
        for (int bit = address.prefixLength(); bit < 32; bit++) {
            if ((bytes[bit / 8] & (0x80 >> (bit % 8))) == 0) {
                return false;
            }
        }
        return true;
    }

    private static String family(InetAddress address) {
        return address instanceof Inet4Address ? "IPv4" : "IPv6";
    }
}
