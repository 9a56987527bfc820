package io.tandem.core.config;

import java.net.Inet4Address;
import java.net.InetAddress;

/**
 * A virtual address with the prefix length it gets on the interface ({@code 10.10.10.100/24}); unlike
 * {@link Cidr} the host bits are kept, since they are the address. A bare address is a /32 or /128.
 */
public record VirtualAddress(InetAddress address, int prefixLength) {

    /** Parses {@code ADDR[/PREFIX]} (IP literals only); throws {@link IllegalArgumentException} for the user. */
    public static VirtualAddress parse(String text) {
        int slash = text.indexOf('/');
        InetAddress address = ConfigValues.parseIpLiteral(slash < 0 ? text : text.substring(0, slash));
        if (address == null) {
            throw new IllegalArgumentException("bad virtual address '" + text
                    + "' (use e.g. 10.10.10.100/24 or 2001:db8::100/64)");
        }
        int maxPrefix = address.getAddress().length * 8;
        if (slash < 0) {
            return new VirtualAddress(address, maxPrefix);
        }
        String prefixText = text.substring(slash + 1);
        if (!prefixText.matches("\\d{1,3}") || Integer.parseInt(prefixText) > maxPrefix
                || Integer.parseInt(prefixText) == 0) {
            throw new IllegalArgumentException("bad prefix length in '" + text + "' (use 1.." + maxPrefix + ")");
        }
        return new VirtualAddress(address, Integer.parseInt(prefixText));
    }

    public boolean isIpv4() {
        return address instanceof Inet4Address;
    }

    @Override
    public String toString() {
        return HostPort.text(address) + "/" + prefixLength;
    }
}
