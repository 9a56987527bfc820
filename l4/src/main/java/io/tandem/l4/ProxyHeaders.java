package io.tandem.l4;

import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/** The PROXY protocol header (v1 text or v2 binary) that tells a server who the client really is. */
final class ProxyHeaders {
    private ProxyHeaders() {
    }

    /**
     * The header for a TCP connection from {@code client} to {@code destination} (the address the client reached),
     * for Netty's {@code HAProxyMessageEncoder}. When one address is IPv4 and the other IPv6 (a dual-stack listener),
     * both are sent as IPv6, the IPv4 one mapped ({@code ::ffff:a.b.c.d}).
     */
    static HAProxyMessage tcp(int version, InetSocketAddress client, InetSocketAddress destination) {
        InetAddress source = client.getAddress();
        InetAddress target = destination.getAddress();
        boolean v4 = source instanceof Inet4Address && target instanceof Inet4Address;
        return new HAProxyMessage(version == 1 ? HAProxyProtocolVersion.V1 : HAProxyProtocolVersion.V2,
                HAProxyCommand.PROXY, v4 ? HAProxyProxiedProtocol.TCP4 : HAProxyProxiedProtocol.TCP6,
                literal(source, v4), literal(target, v4), client.getPort(), destination.getPort());
    }

    private static String literal(InetAddress address, boolean v4) {
        String text = address.getHostAddress();
        if (!v4 && address instanceof Inet4Address) {
            return "::ffff:" + text;
        }
        // A link-local IPv6 address carries its zone (fe80::1%eth0), which the header has no room for.
        int zone = text.indexOf('%');
        return zone >= 0 ? text.substring(0, zone) : text;
    }
}
