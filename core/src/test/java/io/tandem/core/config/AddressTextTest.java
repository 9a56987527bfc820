package io.tandem.core.config;

import org.junit.jupiter.api.Test;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Addresses print as operators write them: IPv6 compressed (RFC 5952), in brackets before a port. */
class AddressTextTest {

    @Test
    void ipv6SocketAddressesAreCompressedInBrackets() throws Exception {
        assertEquals("[::1]:60392", HostPort.text(new InetSocketAddress(InetAddress.getByName("::1"), 60392)));
        assertEquals("[2001:db8::1:0:0:1]:80",
                HostPort.text(new InetSocketAddress(InetAddress.getByName("2001:db8:0:0:1:0:0:1"), 80)));
        assertEquals("127.0.0.1:8080", HostPort.text(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 8080)));
        assertEquals("backend.example:80", HostPort.text(InetSocketAddress.createUnresolved("backend.example", 80)));
        assertEquals("null", HostPort.text((java.net.SocketAddress) null));
    }

    @Test
    void addressesAndPrefixesAreCompressedWithTheirZone() throws Exception {
        assertEquals("fd00::1", HostPort.text(InetAddress.getByName("fd00:0:0:0:0:0:0:1")));
        assertEquals("fe80::1%3", HostPort.text(Inet6Address.getByAddress(null,
                InetAddress.getByName("fe80::1").getAddress(), 3)));
        assertEquals("fd00::1/64", VirtualAddress.parse("fd00:0:0:0:0:0:0:1/64").toString());
        assertEquals("fd00::/8", Cidr.parse("fd00:0:0:0:0:0:0:1/8").toString());
        assertEquals("10.0.0.0/8", Cidr.parse("10.1.2.3/8").toString());
    }
}
