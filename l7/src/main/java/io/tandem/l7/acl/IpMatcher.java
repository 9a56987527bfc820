package io.tandem.l7.acl;

import io.netty.util.NetUtil;
import io.tandem.core.config.Cidr;
import io.tandem.core.config.ConfigError;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Matches addresses against IPs and ranges ({@code 10.10.1.0/24}, {@code 10.0.0.0/255.0.0.0}, {@code ::1}).
 * Text samples (an X-Forwarded-For element) are parsed as address literals; anything else does not match.
 */
final class IpMatcher implements SampleTest {
    private final Cidr[] ranges;

    private IpMatcher(Cidr[] ranges) {
        this.ranges = ranges;
    }

    /** Parses every pattern; host names are refused so that matching never waits on DNS. */
    static IpMatcher compile(List<Word> words, List<ConfigError> errors) {
        List<Cidr> ranges = new ArrayList<>();
        for (Word word : words) {
            Cidr range = parse(word.text());
            if (range == null) {
                errors.add(new ConfigError(word.pos(), "'" + word.text() + "' is not an IP address or CIDR range"));
            } else {
                ranges.add(range);
            }
        }
        return new IpMatcher(ranges.toArray(Cidr[]::new));
    }

    /** A range from {@code addr}, {@code addr/len} or (IPv4) {@code addr/mask}; an IPv4-mapped range becomes IPv4. */
    static Cidr parse(String text) {
        int slash = text.indexOf('/');
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(slash < 0 ? text : text.substring(0, slash));
        if (bytes == null) {
            return null;
        }
        int bits = bytes.length * 8;
        int prefix = bits;
        if (slash >= 0) {
            String suffix = text.substring(slash + 1);
            prefix = suffix.indexOf('.') >= 0 && bits == 32 ? maskLength(suffix) : parsePrefix(suffix, bits);
            if (prefix < 0) {
                return null;
            }
        }
        try {
            if (bits == 128 && isIpv4Mapped(bytes)) {
                // Sources arrive unmapped, so a mapped range is kept in its IPv4 form to meet them.
                return prefix >= 96
                        ? new Cidr(InetAddress.getByAddress(Arrays.copyOfRange(bytes, 12, 16)), prefix - 96)
                        : new Cidr(Inet6Address.getByAddress(null, bytes, -1), prefix);
            }
            return new Cidr(InetAddress.getByAddress(bytes), prefix);
        } catch (UnknownHostException impossible) {
            throw new AssertionError(impossible);
        }
    }

    static boolean isIpv4Mapped(byte[] b) {
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return b[10] == (byte) 0xff && b[11] == (byte) 0xff;
    }

    private static int parsePrefix(String text, int bits) {
        if (text.isEmpty() || text.length() > 3 || !text.chars().allMatch(Character::isDigit)) {
            return -1;
        }
        int prefix = Integer.parseInt(text);
        return prefix <= bits ? prefix : -1;
    }

    /** The prefix length of a dotted netmask, or -1 when the mask's ones are not contiguous. */
    private static int maskLength(String mask) {
        InetAddress address = literal(mask);
        if (address == null || address.getAddress().length != 4) {
            return -1;
        }
        byte[] b = address.getAddress();
        int value = ((b[0] & 0xff) << 24) | ((b[1] & 0xff) << 16) | ((b[2] & 0xff) << 8) | (b[3] & 0xff);
        int ones = Integer.bitCount(value);
        return value == (ones == 0 ? 0 : -1 << (32 - ones)) ? ones : -1;
    }

    /** The address an IP literal spells, never resolving a name; null when it is not a literal. */
    static InetAddress literal(String text) {
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(text);
        if (bytes == null) {
            return null;
        }
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException impossible) {
            throw new AssertionError(impossible);
        }
    }

    @Override
    public boolean address(InetAddress value) {
        for (Cidr range : ranges) {
            if (range.contains(value)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public boolean string(String value) {
        InetAddress address = literal(value);
        return address != null && address(Fetches.unmapped(address));
    }

    @Override
    public boolean integer(long value) {
        return false;
    }
}
