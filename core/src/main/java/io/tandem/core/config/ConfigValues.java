package io.tandem.core.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parsers for the value syntaxes of the config file (durations, sizes, IP literals, integers, keywords), shared
 * with the modules that compile config text later. The duration and size parsers throw
 * {@link IllegalArgumentException} whose message is the user-facing error; the others give null for text that
 * is not one, for the caller to report or to skip.
 */
public final class ConfigValues {
    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)?");
    private static final Pattern SIZE = Pattern.compile("(\\d{1,18})([kmg])?");
    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
    private static final Pattern IPV6_CHARS = Pattern.compile("[0-9A-Fa-f:.]+");

    private ConfigValues() {
    }

    /**
     * The longest duration any key accepts: 24 days, below HAProxy's limit of 2^31 - 1 ms (24.8 days), so a
     * value copied from haproxy.cfg fits, and far from where nanosecond arithmetic on it could overflow.
     */
    public static final Duration MAX_DURATION = Duration.ofDays(24);

    /**
     * A duration: {@code 100ms 5s 1m 1h 1d}, at most {@link #MAX_DURATION}; a bare integer is milliseconds, as in
     * HAProxy, so that a value copied from haproxy.cfg keeps its meaning.
     */
    public static Duration parseDuration(String text) {
        Matcher m = DURATION.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("bad duration '" + text + "' (use e.g. 100ms, 5s, 1m)");
        }
        String unit = m.group(2) == null ? "ms" : m.group(2);
        long perUnit = switch (unit) {
            case "ms" -> 1;
            case "s" -> 1_000;
            case "m" -> 60_000;
            case "h" -> 3_600_000;
            default -> 86_400_000;
        };
        // More digits than any duration within the limit needs: too long, without parsing a number that overflows.
        boolean tooLong = m.group(1).replaceFirst("^0+(?=.)", "").length() > 10;
        if (tooLong || Long.parseLong(m.group(1)) * perUnit > MAX_DURATION.toMillis()) {
            throw new IllegalArgumentException("duration '" + text + "' is too long (at most 24d)");
        }
        return Duration.ofMillis(Long.parseLong(m.group(1)) * perUnit);
    }

    /**
     * A count such as a stick table's {@code size}: an integer with an optional {@code k}, {@code m} or
     * {@code g} suffix. The multipliers are decimal (100k = 100000) because the value counts entries, not
     * bytes, and operators read "100k entries" as a hundred thousand.
     */
    public static long parseSize(String text) {
        Matcher m = SIZE.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("bad size '" + text + "' (use e.g. 100k, 1m or a plain number)");
        }
        long multiplier = m.group(2) == null ? 1 : switch (m.group(2)) {
            case "k" -> 1_000L;
            case "m" -> 1_000_000L;
            default -> 1_000_000_000L;
        };
        try {
            return Math.multiplyExact(Long.parseLong(m.group(1)), multiplier);
        } catch (ArithmeticException tooLarge) {
            throw new IllegalArgumentException("bad size '" + text + "' (use e.g. 100k, 1m or a plain number)");
        }
    }

    /** {@code size} as written in the config: with the largest {@code k}, {@code m} or {@code g} suffix that is exact. */
    public static String formatSize(long size) {
        String[] suffixes = {"g", "m", "k"};
        long[] units = {1_000_000_000L, 1_000_000L, 1_000L};
        for (int i = 0; i < units.length; i++) {
            if (size >= units[i] && size % units[i] == 0) {
                return size / units[i] + suffixes[i];
            }
        }
        return Long.toString(size);
    }

    /**
     * The integer {@code text} spells in decimal (an optional sign, then digits), or null when it spells none or
     * one outside the range of a long. Checked before parsing, so that samples that are not numbers (an ACL test,
     * a stick-table key) cost no exception.
     */
    public static Long parseInteger(String text) {
        int start = text.startsWith("-") || text.startsWith("+") ? 1 : 0;
        if (text.length() == start || text.length() - start > 19) {
            return null;
        }
        for (int i = start; i < text.length(); i++) {
            if (text.charAt(i) < '0' || text.charAt(i) > '9') {
                return null;
            }
        }
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException overflow) {
            return null;
        }
    }

    /** The constant of {@code values} whose {@code keyword} is {@code name}, or null: an enum's config words. */
    public static <E> E named(E[] values, Function<E, String> keyword, String name) {
        for (E value : values) {
            if (keyword.apply(value).equals(name)) {
                return value;
            }
        }
        return null;
    }

    /**
     * The address an IPv4 or IPv6 literal stands for, or null when {@code text} is not one. Never resolves a
     * name: the config loader must not wait on DNS.
     */
    public static InetAddress parseIpLiteral(String text) {
        Matcher v4 = IPV4.matcher(text);
        if (v4.matches()) {
            byte[] bytes = new byte[4];
            for (int i = 0; i < 4; i++) {
                int octet = Integer.parseInt(v4.group(i + 1));
                if (octet > 255) {
                    return null;
                }
                bytes[i] = (byte) octet;
            }
            try {
                return InetAddress.getByAddress(bytes);
            } catch (UnknownHostException impossible) {
                return null;
            }
        }
        // With a ':' in it and only hex digits, colons and dots, InetAddress parses the text as an IPv6
        // literal and never consults a resolver.
        if (text.indexOf(':') < 0 || !IPV6_CHARS.matcher(text).matches()) {
            return null;
        }
        try {
            return InetAddress.getByName(text);
        } catch (UnknownHostException notALiteral) {
            return null;
        }
    }
}
