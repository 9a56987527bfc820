package io.tandem.vrrp.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.tandem.core.testing.Prerequisites;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;

import org.junit.jupiter.api.Test;

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
        assertEquals("2001:2::100/64", Vip.parse("2001:2::100/64").toString());
        assertThrows(IllegalArgumentException.class, () -> Vip.parse("vip.example.com/24"), "never DNS");
        assertThrows(IllegalArgumentException.class, () -> Vip.parse("198.18.0.100/33"));
        assertThrows(IllegalArgumentException.class, () -> Vip.parse("198.18.0.100/x"));
    }

    @Test
    void addressChangesAreTheMessagesIpWouldSend() throws Exception {
        Prerequisites.require(ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN,
                "a little-endian machine (the expected bytes are written little-endian)");
        byte[] add = AddressMessages.addressRequest(AddressMessages.RTM_NEWADDR, 0x605, 7,
                Vip.parse("198.18.0.100/24"), 2, "eth0:vip");
        assertEquals("38000000" + "1400" + "0506" + "07000000" + "00000000" // nlmsghdr: 56 bytes, NEWADDR, flags, seq
                + "02" + "18" + "00" + "00" + "02000000"                     // ifaddrmsg: AF_INET /24, universe, eth0
                + "0800" + "0200" + "c6120064"                                // IFA_LOCAL
                + "0800" + "0100" + "c6120064"                                // IFA_ADDRESS
                + "0d00" + "0300" + "657468303a76697000" + "000000",          // IFA_LABEL "eth0:vip\0", padded
                HEX.formatHex(add));
        byte[] add6 = AddressMessages.addressRequest(AddressMessages.RTM_NEWADDR, 0x605, 8,
                Vip.parse("2001:2::100/64"), 3, null);
        assertEquals("0a" + "40" + "02" + "00" + "03000000", HEX.formatHex(add6, 16, 24), "AF_INET6 /64 nodad");
        byte[] del6 = AddressMessages.addressRequest(AddressMessages.RTM_DELADDR, 0x5, 9,
                Vip.parse("2001:2::100/64"), 3, null);
        assertEquals("0a" + "40" + "00" + "00" + "03000000", HEX.formatHex(del6, 16, 24));
        assertEquals(16 + 8 + 2 * 20, del6.length);
    }

    @Test
    void addressesAreReadFromRtmNewaddrMessages() throws Exception {
        ByteBuffer v4 = ByteBuffer.wrap(AddressMessages.addressRequest(AddressMessages.RTM_NEWADDR, 0, 1,
                Vip.parse("198.18.0.100/24"), 2, "eth0:vip")).order(ByteOrder.nativeOrder());
        assertEquals(Vip.parse("198.18.0.100/24"), AddressMessages.parseAddress(v4, 0, 2));
        assertNull(AddressMessages.parseAddress(v4, 0, 3), "another interface");
        // IPv6 as the kernel dumps it: IFA_ADDRESS only.
        ByteBuffer v6 = ByteBuffer.allocate(16 + 8 + 20).order(ByteOrder.nativeOrder());
        v6.putInt(44).putShort((short) AddressMessages.RTM_NEWADDR).putShort((short) 2).putInt(1).putInt(0)
                .put((byte) 10).put((byte) 64).put((byte) 0).put((byte) 253).putInt(2)
                .putShort((short) 20).putShort((short) AddressMessages.IFA_ADDRESS)
                .put(HEX.parseHex("fe80" + "00".repeat(13) + "01"));
        assertEquals(Vip.parse("fe80::1/64"), AddressMessages.parseAddress(v6, 0, 2));
    }

    @Test
    void acknowledgementsCarryTheErrnoAndTheKernelsReason() {
        byte[] text = "Address already assigned\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        int tlv = 4 + text.length;
        int length = 16 + 4 + 16 + ((tlv + 3) & ~3);
        ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.nativeOrder());
        b.putInt(length).putShort((short) AddressMessages.NLMSG_ERROR)
                .putShort((short) (AddressMessages.NLM_F_CAPPED | AddressMessages.NLM_F_ACK_TLVS)).putInt(5).putInt(0)
                .putInt(-17).putInt(56).putShort((short) 20).putShort((short) 0x605).putInt(5).putInt(0)
                .putShort((short) tlv).putShort((short) AddressMessages.NLMSGERR_ATTR_MSG).put(text);
        AddressMessages.Ack ack = AddressMessages.parseAck(b, 0);
        assertEquals(new AddressMessages.Ack(17, "Address already assigned"), ack);
        assertEquals("rtnetlink addr add 198.18.0.100/24 dev eth0: EEXIST (File exists): Address already assigned",
                ack.failure("rtnetlink addr add 198.18.0.100/24 dev eth0").getMessage());
        ByteBuffer ok = ByteBuffer.allocate(36).order(ByteOrder.nativeOrder());
        ok.putInt(36).putShort((short) AddressMessages.NLMSG_ERROR)
                .putShort((short) AddressMessages.NLM_F_CAPPED).putInt(6);
        assertEquals(new AddressMessages.Ack(0, null), AddressMessages.parseAck(ok, 0));
    }
}
