package io.tandem.core.config;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** An address range such as {@code 10.10.0.0/16} or {@code ::1/128}; a bare address is a /32 or /128. */
public record Cidr(InetAddress network, int prefixLength) {

    /**
     * Parses {@code 10.0.0.0/8}, {@code ::1/128} or a bare address (literal IPs only, never a name); host bits
     * below the prefix are cleared. Throws {@link IllegalArgumentException} with the user-facing message.
     */
    public static Cidr parse(String text) {
        int slash = text.indexOf('/');
        InetAddress address = ConfigValues.parseIpLiteral(slash < 0 ? text : text.substring(0, slash));
        if (address == null) {
            throw new IllegalArgumentException("bad address range '" + text + "' (use e.g. 10.0.0.0/8, ::1/128)");
        }
        byte[] bytes = address.getAddress();
        int maxPrefix = bytes.length * 8;
        if (slash < 0) {
            return new Cidr(address, maxPrefix);
        }
        String prefixText = text.substring(slash + 1);
        if (!prefixText.matches("\\d{1,3}") || Integer.parseInt(prefixText) > maxPrefix) {
            throw new IllegalArgumentException("bad prefix length in '" + text + "' (use 0.." + maxPrefix + ")");
        }
        int prefix = Integer.parseInt(prefixText);
        for (int bit = prefix; bit < maxPrefix; bit++) {
            bytes[bit / 8] &= (byte) ~(0x80 >> (bit % 8));
        }
        try {
            return new Cidr(InetAddress.getByAddress(bytes), prefix);
        } catch (UnknownHostException impossible) {
            throw new IllegalStateException(impossible);
        }
    }

    /** True when {@code address} lies in this range (never across address families). */
    public boolean contains(InetAddress address) {
        byte[] net = network.getAddress();
        byte[] candidate = address.getAddress();
        if (net.length != candidate.length) {
            return false;
        }
        int fullBytes = prefixLength / 8;
        for (int i = 0; i < fullBytes; i++) {
            if (net[i] != candidate[i]) {
                return false;
            }
        }
        int remainingBits = prefixLength % 8;
        if (remainingBits == 0) {
            return true;
        }
        int mask = (0xFF << (8 - remainingBits)) & 0xFF;
        return (net[fullBytes] & mask) == (candidate[fullBytes] & mask);
    }

    @Override
    public String toString() {
        return HostPort.text(network) + "/" + prefixLength;
    }
}
