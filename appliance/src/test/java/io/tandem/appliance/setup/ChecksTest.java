package io.tandem.appliance.setup;

import io.tandem.core.config.VirtualAddress;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each answer's check: what it accepts and the reason it gives for what it does not. */
class ChecksTest {
    private static String reason(AnswerParser<?> parser, String text) {
        return assertThrows(BadAnswer.class, () -> parser.parse(text)).getMessage();
    }

    @Test
    void hostnamesFollowRfc1123() throws Exception {
        assertEquals("lb-a.example", Checks.hostname("lb-a.example"));
        assertTrue(reason(Checks::hostname, "-lb").contains("not a host name"));
        assertTrue(reason(Checks::hostname, "a..b").contains("not a host name"));
        assertTrue(reason(Checks::hostname, "a".repeat(64)).contains("not a host name"));
    }

    @Test
    void theAddressIsDhcpOrAHostAddressWithItsPrefix() throws Exception {
        assertNull(Checks.address("DHCP"));
        assertEquals(VirtualAddress.parse("198.18.0.11/24"), Checks.address("198.18.0.11/24"));
        assertEquals(VirtualAddress.parse("198.18.0.1/31"), Checks.address("198.18.0.1/31"));
        assertTrue(reason(Checks::address, "198.18.0.0/24").contains("network address of 198.18.0.0/24"));
        assertTrue(reason(Checks::address, "198.18.0.255/24").contains("broadcast address"));
        assertTrue(reason(Checks::address, "198.18.0.11").contains("no prefix length"));
        assertTrue(reason(Checks::address, "198.18.0.300/24").contains("not an address in CIDR form"));
    }

    @Test
    void theGatewayIsInTheSubnetAndOfTheSameFamily() throws Exception {
        VirtualAddress own = VirtualAddress.parse("198.18.0.11/24");
        assertNull(Checks.gateway(own).parse("none"));
        assertTrue(reason(Checks.gateway(own), "198.18.1.1").contains("not in 198.18.0.0/24"));
        assertTrue(reason(Checks.gateway(own), "2001:db8::1").contains("IPv6 but the address"));
        assertTrue(reason(Checks.gateway(own), "198.18.0.11").contains("own address"));
        VirtualAddress own6 = VirtualAddress.parse("2001:db8::11/64");
        assertEquals(java.net.InetAddress.getByName("fe80::1"), Checks.gateway(own6).parse("fe80::1"));
        assertTrue(reason(Checks.gateway(own6), "2001:db9::1").contains("not in 2001:db8::/64"));
    }

    @Test
    void virtualAddressesAreOfOneFamilyAndNotThisNodes() throws Exception {
        VirtualAddress own = VirtualAddress.parse("198.18.0.11/24");
        assertEquals(2, Checks.virtualAddresses(own).parse("198.18.0.100/24 198.18.0.101/24").size());
        assertTrue(reason(Checks.virtualAddresses(own), "198.18.0.100/24, 2001:db8::1/64").contains("one address"
                + " family"));
        assertTrue(reason(Checks.virtualAddresses(own), "198.18.0.11/24").contains("this node's own address"));
        assertTrue(reason(Checks.virtualAddresses(own), " , ").contains("give at least one"));
    }

    @Test
    void thePeerIsOfTheVirtualAddressesFamily() throws Exception {
        List<VirtualAddress> vips = List.of(VirtualAddress.parse("198.18.0.100/24"));
        assertTrue(reason(Checks.peer(null, vips), "2001:db8::12").contains("IPv6 but the virtual addresses are IPv4"));
        assertTrue(reason(Checks.peer(null, vips), "198.18.0.100").contains("is a virtual address"));
    }

    @Test
    void serversArePortsOnHostsListedOnce() throws Exception {
        assertEquals(2, Checks.servers("localhost:80,[2001:db8::1]:80").size());
        assertTrue(reason(Checks::servers, "app-1:70000").contains("1..65535"));
        assertTrue(reason(Checks::servers, "*:80").contains("wildcard"));
        assertTrue(reason(Checks::servers, "localhost:80 localhost:80").contains("listed twice"));
        assertTrue(reason(Checks::servers, "no-such-host.invalid:80").contains("cannot resolve host"));
    }

    @Test
    void theSecretIsBase64OfThirtyTwoBytes() throws Exception {
        String secret = ClusterSecret.generate(new java.security.SecureRandom()).text();
        assertEquals(secret, ClusterSecret.parse(secret.substring(0, 20) + " " + secret.substring(20)).text());
        assertTrue(reason(ClusterSecret::parse, "c2hvcnQ=").contains("this one has 8"));
        assertTrue(reason(ClusterSecret::parse, "!" + secret.substring(1)).contains("is base64"));
        assertTrue(reason(ClusterSecret::parse, secret.substring(0, 42) + "==").contains("decodes to 31 bytes"));
    }

    @Test
    void balanceAndCheckTakeTheWordsTheConfigTakes() throws Exception {
        assertEquals(List.of("roundrobin", "leastconn", "source", "uri", "random", "maglev"),
                Checks.balanceAlgorithms());
        assertTrue(reason(Checks::balance, "hdr").contains("roundrobin, leastconn"));
        assertEquals("/healthz", Checks.check("/healthz"));
        assertTrue(reason(Checks::check, "healthz").contains("starting with /"));
    }
}
