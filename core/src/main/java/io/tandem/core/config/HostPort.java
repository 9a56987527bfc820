package io.tandem.core.config;

import io.netty.util.NetUtil;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/** A socket address as written in the config: {@code host:port}, IPv6 as {@code [::1]:80}, {@code *:80} for any. */
public record HostPort(String host, int port) {
    private static final Pattern HOSTNAME = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?");
    private static final Pattern DIGITS_AND_DOTS = Pattern.compile("[0-9.]+");
    private static final Pattern PORT = Pattern.compile("\\d{1,5}");
    private static final InetAddress IPV4_ANY = literal(new byte[4]);
    private static final InetAddress IPV6_ANY = literal(new byte[16]);

    /**
     * Parses {@code host:port}, {@code [v6]:port} or {@code *:port}; the host is kept as written (brackets
     * removed). Throws {@link IllegalArgumentException} with the user-facing message.
     */
    public static HostPort parse(String text) {
        String host;
        String port;
        if (text.startsWith("[")) {
            int close = text.indexOf(']');
            if (close < 0 || close + 1 >= text.length() || text.charAt(close + 1) != ':') {
                throw badAddress(text);
            }
            host = text.substring(1, close);
            port = text.substring(close + 2);
            if (ConfigValues.parseIpLiteral(host) == null || host.indexOf(':') < 0) {
                throw badAddress(text);
            }
        } else {
            int colon = text.lastIndexOf(':');
            if (colon <= 0) {
                throw badAddress(text);
            }
            host = text.substring(0, colon);
            port = text.substring(colon + 1);
            // An IPv4-looking host must be a valid literal, so that 10.0.0.300 is an error and not a hostname.
            boolean validHost = host.equals("*") || (DIGITS_AND_DOTS.matcher(host).matches()
                    ? ConfigValues.parseIpLiteral(host) != null : HOSTNAME.matcher(host).matches());
            if (!validHost) {
                throw badAddress(text);
            }
        }
        // Whatever is wrong with the port (-1, 65536, 99999999999, http), the answer is the same.
        if (!PORT.matcher(port).matches() || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65535) {
            throw new IllegalArgumentException("bad address '" + text + "' (the port must be a number in 1..65535)");
        }
        return new HostPort(host, Integer.parseInt(port));
    }

    private static IllegalArgumentException badAddress(String text) {
        return new IllegalArgumentException("bad address '" + text + "' (use host:port, [::1]:port)");
    }

    /** True when the host is a wildcard ({@code *}, {@code 0.0.0.0} or {@code ::}). */
    public boolean isWildcard() {
        return host.equals("*") || host.equals("0.0.0.0") || host.equals("::");
    }

    /**
     * The socket address a listener binds: {@code *} and {@code 0.0.0.0} are IPv4's any address (IPv4 clients only,
     * as in HAProxy); {@code ::} is IPv6's, which on Linux also takes IPv4 clients unless
     * {@code net.ipv6.bindv6only} is set; a name or literal is resolved.
     */
    public InetSocketAddress bindAddress() {
        if (host.equals("*") || host.equals("0.0.0.0")) {
            return new InetSocketAddress(IPV4_ANY, port);
        }
        if (host.equals("::")) {
            return new InetSocketAddress(IPV6_ANY, port);
        }
        return new InetSocketAddress(host, port);
    }

    /**
     * An address as operators read it everywhere Tandem prints one (errors, logs, headers): IPv6 compressed as in
     * RFC 5952 ({@code ::1}, {@code fd00::1}) with its zone when it has one ({@code fe80::1%eth0}), IPv4 dotted.
     */
    public static String text(InetAddress address) {
        String text = NetUtil.toAddressString(address);
        if (address instanceof Inet6Address v6 && v6.getScopedInterface() != null) {
            return text + "%" + v6.getScopedInterface().getName();
        }
        if (address instanceof Inet6Address v6 && v6.getScopeId() != 0) {
            return text + "%" + v6.getScopeId();
        }
        return text;
    }

    /**
     * A socket address as {@code 10.0.0.1:80} or {@code [::1]:80} (an unresolved one by its name); any other kind of
     * address (a unix socket, none) as its own text.
     */
    public static String text(SocketAddress address) {
        if (!(address instanceof InetSocketAddress inet)) {
            return String.valueOf(address);
        }
        return append(new StringBuilder(24), inet).toString();
    }

    /**
     * Appends a socket address as {@link #text(SocketAddress)} writes it; an IPv4 one without building
     * intermediate strings (access-log lines are rendered on the event loop, one per request).
     */
    public static StringBuilder append(StringBuilder out, InetSocketAddress address) {
        InetAddress host = address.getAddress();
        if (host == null) {
            return out.append(new HostPort(address.getHostString(), address.getPort()));
        }
        if (host instanceof Inet4Address) {
            byte[] octets = host.getAddress();
            out.append(octets[0] & 0xFF).append('.').append(octets[1] & 0xFF).append('.')
                    .append(octets[2] & 0xFF).append('.').append(octets[3] & 0xFF);
        } else {
            out.append('[').append(text(host)).append(']');
        }
        return out.append(':').append(address.getPort());
    }

    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    private static InetAddress literal(byte[] address) {
        try {
            return InetAddress.getByAddress(address);
        } catch (UnknownHostException impossible) {
            throw new IllegalArgumentException(impossible);
        }
    }
}
