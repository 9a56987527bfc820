package io.tandem.vrrp.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.HexFormat;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.tandem.vrrp.io.VipManager.Vip;

/** The bytes and text the plumbing builds and parses, without a kernel. */
class PlumbingFormatsTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final byte[] MAC = HEX.parseHex("02aabbccddee");

    @Test
    void gratuitousArpIsABroadcastRequestWithSenderAndTargetTheVip() throws Exception {
        byte[] frame = GratuitousArp.frame(MAC, (Inet4Address) InetAddress.getByName("198.18.0.100"));
        assertEquals(60, frame.length);
        assertEquals("ffffffffffff" + "02aabbccddee" + "0806"             // Ethernet: broadcast, from us, ARP
                + "0001" + "0800" + "06" + "04" + "0001"                      // Ethernet/IPv4, request
                + "02aabbccddee" + "c6120064" + "000000000000" + "c6120064"   // sender MAC+VIP, target ?+VIP
                + "00".repeat(18), HEX.formatHex(frame));
    }

    @Test
    void unsolicitedNeighbourAdvertisementOverridesAndCarriesTheMac() throws Exception {
        byte[] na = NeighborAdvertisement.message(MAC, (Inet6Address) InetAddress.getByName("2001:2::100"));
        assertEquals("88" + "00" + "0000" + "20000000" + "20010002000000000000000000000100" + "0201" + "02aabbccddee",
                HEX.formatHex(na));
    }

    @Test
    void ipv4HeaderIsParsedAndStrippedHonouringItsLength() throws Exception {
        // IHL 6 (one option word), total length 32: 24 header + 8 payload, then 4 bytes of trailing junk.
        byte[] packet = HEX.parseHex("46c00020000000 00ff70 0000 c612000b e0000012 94040000"
                .replace(" ", "") + "3133960100640000" + "deadbeef");
        RawIpSocket.Received r = RawIpSocket.parseIpv4(packet);
        assertEquals(InetAddress.getByName("198.18.0.11"), r.source());
        assertEquals(InetAddress.getByName("224.0.0.18"), r.destination());
        assertEquals(255, r.ttl());
        assertArrayEquals(HEX.parseHex("3133960100640000"), r.payload());
    }

    @Test
    void whatIsNotAnIpv4HeaderIsDropped() {
        assertNull(RawIpSocket.parseIpv4(new byte[19]));
        assertNull(RawIpSocket.parseIpv4(HEX.parseHex("6000000000000000000000000000000000000000")), "IPv6");
        assertNull(RawIpSocket.parseIpv4(HEX.parseHex("4f000020000000000000000000000000000000000000")), "IHL > length");
    }

    @Test
    void vipsParseAsOperatorsWriteThem() throws Exception {
        assertEquals(new Vip(InetAddress.getByName("198.18.0.100"), 24), Vip.parse("198.18.0.100/24"));
        assertEquals(new Vip(InetAddress.getByName("198.18.0.100"), 32), Vip.parse("198.18.0.100"));
        assertEquals("2001:2:0:0:0:0:0:100/64", Vip.parse("2001:2::100/64").toString());
        assertThrows(IllegalArgumentException.class, () -> Vip.parse("vip.example.com/24"), "never DNS");
        assertThrows(IllegalArgumentException.class, () -> Vip.parse("198.18.0.100/33"));
        assertThrows(IllegalArgumentException.class, () -> Vip.parse("198.18.0.100/x"));
    }

    @Test
    void addressesAreReadFromIpOneLineOutput() {
        String out = """
                2: eth0    inet 198.18.0.11/24 scope global eth0\\       valid_lft forever preferred_lft forever
                2: eth0    inet 198.18.0.100/24 scope global secondary eth0:vip\\       valid_lft forever
                2: eth0    inet6 2001:2::100/64 scope global nodad \\       valid_lft forever preferred_lft forever
                2: eth0    inet6 fe80::1/64 scope link \\       valid_lft forever preferred_lft forever
                """;
        assertEquals(List.of(Vip.parse("198.18.0.11/24"), Vip.parse("198.18.0.100/24"), Vip.parse("2001:2::100/64"),
                Vip.parse("fe80::1/64")), VipManager.parseAddresses(out));
    }
}
