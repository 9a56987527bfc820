package io.tandem.vrrp.io;

import io.tandem.core.config.HostPort;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Objects;

/** A virtual address with its prefix length, as in {@code 198.18.0.100/24}. */
public record Vip(InetAddress address, int prefixLength) {
    public Vip {
        Objects.requireNonNull(address, "address");
        int max = address instanceof Inet6Address ? 128 : 32;
        if (prefixLength < 0 || prefixLength > max) {
            throw new IllegalArgumentException("prefix length must be 0.." + max + ": " + prefixLength);
        }
    }

    /** {@code 198.18.0.100/24}, {@code 2001:2::100/64}; no prefix: /32 or /128. Literals only, never DNS. */
    public static Vip parse(String text) {
        String s = text.strip();
        int slash = s.indexOf('/');
        String ip = slash < 0 ? s : s.substring(0, slash);
        if (ip.isEmpty() || !(ip.indexOf(':') >= 0 || ip.chars().allMatch(c -> c == '.' || Character.isDigit(c)))) {
            throw new IllegalArgumentException("not an IP address: '" + text + "'");
        }
        InetAddress address;
        try {
            address = InetAddress.getByName(ip);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP address: '" + text + "'");
        }
        int max = address instanceof Inet6Address ? 128 : 32;
        try {
            return new Vip(address, slash < 0 ? max : Integer.parseInt(s.substring(slash + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a prefix length in '" + text + "'");
        }
    }

    public boolean isIpv6() {
        return address instanceof Inet6Address;
    }

    @Override
    public String toString() {
        String ip = HostPort.text(address);
        int percent = ip.indexOf('%');
        return (percent < 0 ? ip : ip.substring(0, percent)) + "/" + prefixLength;
    }
}
