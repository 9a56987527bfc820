package io.tandem.core.stick;

import io.netty.util.NetUtil;
import io.tandem.core.config.ConfigValues;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;

/**
 * The key type of a stick table, and how a sample becomes a key of that type (HAProxy's casts). Keys are
 * normalised text so that one client always gives one key: IPv4 as dotted quad, IPv6 in RFC 5952 form, integers
 * in decimal. A sample that does not convert gives null, and nothing is tracked or stored for it.
 */
public enum StickKeyType {
    IP("ip"), IPV6("ipv6"), STRING("string"), INTEGER("integer");

    /** HAProxy's default {@code len} for string keys: longer samples are cut, so no key grows without bound. */
    public static final int STRING_KEY_LENGTH = 32;

    private final String keyword;

    StickKeyType(String keyword) {
        this.keyword = keyword;
    }

    public String keyword() {
        return keyword;
    }

    /** The type called {@code keyword} in a {@code stick-table}'s {@code type}, or null. */
    public static StickKeyType named(String keyword) {
        return ConfigValues.named(values(), StickKeyType::keyword, keyword);
    }

    /** The key for an address sample; an IPv4-mapped IPv6 address counts as the IPv4 address it carries. */
    public String key(InetAddress address) {
        byte[] bytes = address.getAddress();
        boolean v4 = address instanceof Inet4Address || isIpv4Mapped(bytes);
        return switch (this) {
            case IP -> v4 ? ipv4(bytes) : null;
            case IPV6 -> v4 ? "::ffff:" + ipv4(bytes) : NetUtil.toAddressString(address);
            case STRING -> truncated(v4 ? ipv4(bytes) : NetUtil.toAddressString(address));
            case INTEGER -> v4 ? Long.toString(ipv4Value(bytes)) : null;
        };
    }

    /** The key for a text sample: parsed for address and integer tables (never resolved), cut for string ones. */
    public String key(String text) {
        return switch (this) {
            case STRING -> truncated(text);
            case INTEGER -> integer(text);
            case IP, IPV6 -> {
                byte[] bytes = NetUtil.createByteArrayFromIpAddressString(text);
                if (bytes == null) {
                    yield null;
                }
                try {
                    yield key(bytes.length == 4 ? Inet4Address.getByAddress(bytes) : Inet6Address.getByAddress(null, bytes, -1));
                } catch (java.net.UnknownHostException impossible) {
                    yield null;
                }
            }
        };
    }

    /** The key for an integer sample; address tables take it as an IPv4 address in host order, as HAProxy does. */
    public String key(long value) {
        return switch (this) {
            case INTEGER -> Long.toString(value);
            case STRING -> Long.toString(value);
            case IP -> value >= 0 && value <= 0xFFFFFFFFL ? ipv4(value) : null;
            case IPV6 -> value >= 0 && value <= 0xFFFFFFFFL ? "::ffff:" + ipv4(value) : null;
        };
    }

    private static boolean isIpv4Mapped(byte[] b) {
        if (b.length != 16 || b[10] != (byte) 0xFF || b[11] != (byte) 0xFF) {
            return false;
        }
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private static String ipv4(byte[] b) {
        int o = b.length - 4;
        return (b[o] & 0xFF) + "." + (b[o + 1] & 0xFF) + "." + (b[o + 2] & 0xFF) + "." + (b[o + 3] & 0xFF);
    }

    private static long ipv4Value(byte[] b) {
        int o = b.length - 4;
        return ((long) (b[o] & 0xFF) << 24) | ((b[o + 1] & 0xFF) << 16) | ((b[o + 2] & 0xFF) << 8) | (b[o + 3] & 0xFF);
    }

    private static String ipv4(long v) {
        return ((v >> 24) & 0xFF) + "." + ((v >> 16) & 0xFF) + "." + ((v >> 8) & 0xFF) + "." + (v & 0xFF);
    }

    private static String integer(String text) {
        Long value = ConfigValues.parseInteger(text.trim());
        return value == null ? null : Long.toString(value);
    }

    private static String truncated(String text) {
        if (text.length() <= STRING_KEY_LENGTH) {
            return text;
        }
        // HAProxy counts bytes; cut on a character boundary at or below the byte limit.
        String cut = text.substring(0, STRING_KEY_LENGTH);
        while (cut.getBytes(StandardCharsets.UTF_8).length > STRING_KEY_LENGTH) {
            cut = cut.substring(0, cut.length() - 1);
        }
        return cut;
    }
}
