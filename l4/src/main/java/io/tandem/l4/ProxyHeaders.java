package io.tandem.l4;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.tandem.core.config.HostPort;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/** The PROXY protocol header (v1 text or v2 binary) that tells a server who the client really is. */
final class ProxyHeaders {
    /** The v2 signature, then version 2 with the PROXY command. */
    private static final byte[] V2_PREFIX = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A,
            0x21};
    private static final byte V2_TCP4 = 0x11;
    private static final byte V2_TCP6 = 0x21;

    private ProxyHeaders() {
    }

    /**
     * The header for a TCP connection from {@code client} to {@code destination} (the address the client reached).
     * When one address is IPv4 and the other IPv6 (a dual-stack listener), both are sent as IPv6, the IPv4 one mapped
     * ({@code ::ffff:a.b.c.d}), as HAProxy does.
     */
    static ByteBuf tcp(int version, InetSocketAddress client, InetSocketAddress destination) {
        InetAddress source = client.getAddress();
        InetAddress target = destination.getAddress();
        boolean v4 = source instanceof Inet4Address && target instanceof Inet4Address;
        if (version == 1) {
            String line = "PROXY " + (v4 ? "TCP4 " : "TCP6 ") + literal(source, v4) + " " + literal(target, v4) + " "
                    + client.getPort() + " " + destination.getPort() + "\r\n";
            return Unpooled.wrappedBuffer(line.getBytes(StandardCharsets.US_ASCII));
        }
        int addressBytes = v4 ? 12 : 36;
        ByteBuf header = Unpooled.buffer(V2_PREFIX.length + 3 + addressBytes);
        header.writeBytes(V2_PREFIX).writeByte(v4 ? V2_TCP4 : V2_TCP6).writeShort(addressBytes);
        header.writeBytes(binary(source, v4)).writeBytes(binary(target, v4));
        header.writeShort(client.getPort()).writeShort(destination.getPort());
        return header;
    }

    private static String literal(InetAddress address, boolean v4) {
        String text = HostPort.text(address);
        if (!v4 && address instanceof Inet4Address) {
            return "::ffff:" + text;
        }
        // A link-local IPv6 address carries its zone (fe80::1%eth0), which the header has no room for.
        int zone = text.indexOf('%');
        return zone >= 0 ? text.substring(0, zone) : text;
    }

    private static byte[] binary(InetAddress address, boolean v4) {
        byte[] raw = address.getAddress();
        if (v4 || address instanceof Inet6Address) {
            return raw;
        }
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xFF;
        mapped[11] = (byte) 0xFF;
        System.arraycopy(raw, 0, mapped, 12, 4);
        return mapped;
    }
}
