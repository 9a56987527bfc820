package io.tandem.vrrp;

import io.tandem.vrrp.VrrpCodec.Decoded;
import io.tandem.vrrp.VrrpCodec.DropReason;
import io.tandem.vrrp.VrrpCodec.Expected;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Byte-exact VRRP messages built by hand from the RFC layouts (RFC 5798 §5.1, RFC 3768 §5.1) in the form
 * keepalived sends them, with checksums verified by an independent one's-complement sum, and every drop reason.
 */
class VrrpCodecTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final InetAddress SRC = ip("10.10.10.11");
    private static final InetAddress PEER = ip("10.10.10.12");
    private static final InetAddress MCAST4 = ip("224.0.0.18");
    private static final InetAddress VIP = ip("10.10.10.100");
    private static final InetAddress SRC6 = ip("fe80::1");
    private static final InetAddress MCAST6 = ip("ff02::12");

    /**
     * keepalived, vrrp_version 3, virtual_router_id 51, priority 150, advert_int 1, one VIP 10.10.10.100, sent from
     * 10.10.10.11 to 224.0.0.18: ver 3 type 1 | vrid 0x33 | prio 0x96 | count 1 | rsvd + max adver int 100cs
     * (0x064) | checksum | 10.10.10.100.
     */
    private static final String KEEPALIVED_V3 = "31 33 96 01 00 64 2f 55 0a 0a 0a 64";
    /**
     * keepalived's default vrrp_version 2, virtual_router_id 51, priority 100, advert_int 1, no authentication:
     * ver 2 type 1 | vrid | prio 0x64 | count 1 | auth type 0 | adver int 1s | checksum | VIP | 8 zero bytes of
     * authentication data (always present in v2).
     */
    private static final String KEEPALIVED_V2 = "21 33 64 01 00 01 66 5c 0a 0a 0a 64 00 00 00 00 00 00 00 00";
    /** The same with {@code auth_type PASS, auth_pass secret}: auth type 1, "secret" zero-padded to 8 bytes. */
    private static final String V2_PASS = "21 33 64 01 01 01 29 10 0a 0a 0a 64 73 65 63 72 65 74 00 00";
    /**
     * v3 over IPv6 from fe80::1 to ff02::12: vrid 1, priority 100, two addresses (fe80::100 first, as RFC 5798
     * wants the link-local one first, then 2001:db8::100), 1s.
     */
    private static final String V3_IPV6 = "31 01 64 02 00 64 3e 2f"
            + " fe 80 00 00 00 00 00 00 00 00 00 00 00 00 01 00"
            + " 20 01 0d b8 00 00 00 00 00 00 00 00 00 00 01 00";

    private static final Expected V3_EXPECTED = new Expected(3, 51, false, 100, null, Set.of(VIP));
    private static final Expected V2_EXPECTED = new Expected(2, 51, false, 100, null, Set.of(VIP));

    @Test
    void v3Ipv4MatchesKeepalivedByteForByte() {
        byte[] bytes = VrrpCodec.encode(new VrrpPacket(3, 51, 150, 100, List.of(VIP), null), SRC, MCAST4);
        assertArrayEquals(hex(KEEPALIVED_V3), bytes);
        assertEquals(0, independentChecksum(concat(pseudoHeader4(SRC, MCAST4, bytes.length), bytes)));
        Decoded decoded = VrrpCodec.decode(bytes, SRC, MCAST4, 255, V3_EXPECTED);
        assertEquals(new VrrpPacket(3, 51, 150, 100, List.of(VIP), null), decoded.packet());
        assertNull(decoded.reason());
    }

    @Test
    void v3ChecksumCoversTheDestinationSoUnicastDiffers() {
        byte[] unicast = VrrpCodec.encode(new VrrpPacket(3, 51, 150, 100, List.of(VIP), null), SRC, PEER);
        assertEquals("fb51", HEX.formatHex(unicast, 6, 8));
        assertTrue(VrrpCodec.decode(unicast, SRC, PEER, 255, V3_EXPECTED).accepted());
        assertEquals(DropReason.BAD_CHECKSUM, VrrpCodec.decode(unicast, SRC, MCAST4, 255, V3_EXPECTED).reason());
    }

    @Test
    void v2WithoutAuthenticationMatchesKeepalivedByteForByte() {
        byte[] bytes = VrrpCodec.encode(new VrrpPacket(2, 51, 100, 100, List.of(VIP), null), SRC, MCAST4);
        assertArrayEquals(hex(KEEPALIVED_V2), bytes);
        assertEquals(0, independentChecksum(bytes));
        assertEquals(new VrrpPacket(2, 51, 100, 100, List.of(VIP), null),
                VrrpCodec.decode(bytes, SRC, MCAST4, 255, V2_EXPECTED).packet());
    }

    @Test
    void v2SimpleTextAuthentication() {
        VrrpPacket packet = new VrrpPacket(2, 51, 100, 100, List.of(VIP), "secret");
        byte[] bytes = VrrpCodec.encode(packet, SRC, MCAST4);
        assertArrayEquals(hex(V2_PASS), bytes);
        assertEquals(0, independentChecksum(bytes));
        Expected withPass = new Expected(2, 51, false, 100, "secret", Set.of(VIP));
        assertEquals(packet, VrrpCodec.decode(bytes, SRC, MCAST4, 255, withPass).packet());
        Expected otherPass = new Expected(2, 51, false, 100, "secres", Set.of(VIP));
        assertEquals(DropReason.AUTH_MISMATCH, VrrpCodec.decode(bytes, SRC, MCAST4, 255, otherPass).reason());
        assertEquals(DropReason.AUTH_MISMATCH, VrrpCodec.decode(bytes, SRC, MCAST4, 255, V2_EXPECTED).reason());
        assertEquals(DropReason.AUTH_MISMATCH,
                VrrpCodec.decode(hex(KEEPALIVED_V2), SRC, MCAST4, 255, withPass).reason());
    }

    @Test
    void v3Ipv6ChecksumUsesTheIpv6PseudoHeader() {
        List<InetAddress> addresses = List.of(ip("fe80::100"), ip("2001:db8::100"));
        byte[] bytes = VrrpCodec.encode(new VrrpPacket(3, 1, 100, 100, addresses, null), SRC6, MCAST6);
        assertArrayEquals(hex(V3_IPV6), bytes);
        assertEquals(0, independentChecksum(concat(pseudoHeader6(SRC6, MCAST6, bytes.length), bytes)));
        Expected expected = new Expected(3, 1, false, 100, null, Set.copyOf(addresses));
        assertEquals(addresses, VrrpCodec.decode(bytes, SRC6, MCAST6, 255, expected).packet().addresses());
    }

    @Test
    void maxAdverIntervalUsesAll12Bits() {
        byte[] bytes = VrrpCodec.encode(new VrrpPacket(3, 51, 150, 4095, List.of(VIP), null), SRC, MCAST4);
        assertEquals("0fff", HEX.formatHex(bytes, 4, 6));
        assertEquals(4095, VrrpCodec.decode(bytes, SRC, MCAST4, 255, V3_EXPECTED).packet().intervalCentis());
        // The 4 reserved bits are ignored on receipt (RFC 5798 §5.2.5), the checksum still covers them.
        byte[] reserved = hex(KEEPALIVED_V3);
        reserved[4] |= (byte) 0xF0;
        fixChecksum4(reserved);
        assertEquals(100, VrrpCodec.decode(reserved, SRC, MCAST4, 255, V3_EXPECTED).packet().intervalCentis());
    }

    @Test
    void ttlOtherThan255IsDropped() {
        assertEquals(DropReason.BAD_TTL, VrrpCodec.decode(hex(KEEPALIVED_V3), SRC, MCAST4, 254, V3_EXPECTED).reason());
        assertEquals(DropReason.BAD_TTL, VrrpCodec.decode(hex(KEEPALIVED_V3), SRC, MCAST4, 1, V3_EXPECTED).reason());
    }

    @Test
    void versionAndTypeAreChecked() {
        assertEquals(DropReason.BAD_VERSION,
                VrrpCodec.decode(hex(KEEPALIVED_V2), SRC, MCAST4, 255, V3_EXPECTED).reason());
        assertEquals(DropReason.BAD_VERSION,
                VrrpCodec.decode(hex(KEEPALIVED_V3), SRC, MCAST4, 255, V2_EXPECTED).reason());
        byte[] type2 = hex(KEEPALIVED_V3);
        type2[0] = 0x32;
        fixChecksum4(type2);
        assertEquals(DropReason.BAD_TYPE, VrrpCodec.decode(type2, SRC, MCAST4, 255, V3_EXPECTED).reason());
    }

    @Test
    void truncatedAndPaddedPacketsAreDropped() {
        byte[] full = hex(KEEPALIVED_V3);
        assertEquals(DropReason.BAD_LENGTH, VrrpCodec.decode(full, 0, 0, SRC, MCAST4, 255, V3_EXPECTED).reason());
        assertEquals(DropReason.BAD_LENGTH, VrrpCodec.decode(full, 0, 7, SRC, MCAST4, 255, V3_EXPECTED).reason());
        assertEquals(DropReason.ADDRESS_COUNT_MISMATCH,
                VrrpCodec.decode(full, 0, 11, SRC, MCAST4, 255, V3_EXPECTED).reason());
        assertEquals(DropReason.ADDRESS_COUNT_MISMATCH,
                VrrpCodec.decode(concat(full, new byte[4]), SRC, MCAST4, 255, V3_EXPECTED).reason());
        byte[] count2 = full.clone();
        count2[3] = 2;
        assertEquals(DropReason.ADDRESS_COUNT_MISMATCH,
                VrrpCodec.decode(count2, SRC, MCAST4, 255, V3_EXPECTED).reason());
        // v2 without its 8 bytes of authentication data is incomplete.
        assertEquals(DropReason.BAD_LENGTH, VrrpCodec.decode(hex(KEEPALIVED_V2), 0, 12, SRC, MCAST4, 255,
                V2_EXPECTED).reason());
    }

    @Test
    void anyFlippedBitFailsTheChecksum() {
        byte[] original = hex(KEEPALIVED_V3);
        for (int i = 0; i < original.length; i++) {
            if (i == 0 || i == 3) {
                continue; // version/type and count have their own checks first
            }
            byte[] corrupt = original.clone();
            corrupt[i] ^= 0x04;
            assertEquals(DropReason.BAD_CHECKSUM, VrrpCodec.decode(corrupt, SRC, MCAST4, 255, V3_EXPECTED).reason(),
                    "byte " + i);
        }
        byte[] v2 = hex(KEEPALIVED_V2);
        v2[19] = 1;
        assertEquals(DropReason.BAD_CHECKSUM, VrrpCodec.decode(v2, SRC, MCAST4, 255, V2_EXPECTED).reason());
        // The v3 pseudo-header: another source address.
        assertEquals(DropReason.BAD_CHECKSUM,
                VrrpCodec.decode(original, PEER, MCAST4, 255, V3_EXPECTED).reason());
    }

    @Test
    void anotherVridIsIgnoredNotAnError() {
        Expected other = new Expected(3, 52, false, 100, null, Set.of(VIP));
        Decoded decoded = VrrpCodec.decode(hex(KEEPALIVED_V3), SRC, MCAST4, 255, other);
        assertEquals(DropReason.WRONG_VRID, decoded.reason());
        assertFalse(decoded.reason().isError());
        assertTrue(DropReason.BAD_CHECKSUM.isError());
        assertEquals(51, VrrpCodec.peekVrid(hex(KEEPALIVED_V3), 0, 12));
        assertEquals(-1, VrrpCodec.peekVrid(new byte[1], 0, 1));
    }

    @Test
    void theAddressOwnerDiscardsWhatItReceives() {
        Expected owner = new Expected(3, 51, true, 100, null, Set.of(VIP));
        assertEquals(DropReason.LOCAL_OWNER, VrrpCodec.decode(hex(KEEPALIVED_V3), SRC, MCAST4, 255, owner).reason());
    }

    @Test
    void addressListMismatchDropsUnlessTheSenderIsTheOwner() {
        Expected other = new Expected(3, 51, false, 100, null, Set.of(ip("10.10.10.101")));
        Decoded dropped = VrrpCodec.decode(hex(KEEPALIVED_V3), SRC, MCAST4, 255, other);
        assertFalse(dropped.accepted());
        assertEquals(DropReason.ADDRESS_LIST_MISMATCH, dropped.reason());
        assertEquals("advertised [10.10.10.100]", dropped.detail());

        byte[] fromOwner = VrrpCodec.encode(new VrrpPacket(3, 51, 255, 100, List.of(VIP), null), SRC, MCAST4);
        Decoded warned = VrrpCodec.decode(fromOwner, SRC, MCAST4, 255, other);
        assertTrue(warned.accepted());
        assertEquals(DropReason.ADDRESS_LIST_MISMATCH, warned.reason());

        // Order does not matter; a missing address does.
        List<InetAddress> two = List.of(VIP, ip("10.10.10.101"));
        Expected both = new Expected(3, 51, false, 100, null, Set.of(ip("10.10.10.101"), VIP));
        byte[] reversed = VrrpCodec.encode(new VrrpPacket(3, 51, 100, 100, List.of(two.get(1), two.get(0)), null),
                SRC, MCAST4);
        assertTrue(VrrpCodec.decode(reversed, SRC, MCAST4, 255, both).accepted());
        assertEquals(DropReason.ADDRESS_LIST_MISMATCH,
                VrrpCodec.decode(hex(KEEPALIVED_V3), SRC, MCAST4, 255, both).reason());
    }

    @Test
    void v2IntervalMustEqualOurs() {
        Expected threeSeconds = new Expected(2, 51, false, 300, null, Set.of(VIP));
        Decoded decoded = VrrpCodec.decode(hex(KEEPALIVED_V2), SRC, MCAST4, 255, threeSeconds);
        assertEquals(DropReason.INTERVAL_MISMATCH, decoded.reason());
        assertEquals("interval 1s, expected 3s", decoded.detail());
    }

    @Test
    void v3LearnsAnyIntervalButZero() {
        Expected ours = new Expected(3, 51, false, 10, null, Set.of(VIP));
        assertEquals(100, VrrpCodec.decode(hex(KEEPALIVED_V3), SRC, MCAST4, 255, ours).packet().intervalCentis());
        byte[] zero = VrrpCodec.encode(new VrrpPacket(3, 51, 150, 0, List.of(VIP), null), SRC, MCAST4);
        assertEquals(DropReason.BAD_INTERVAL, VrrpCodec.decode(zero, SRC, MCAST4, 255, ours).reason());
    }

    @Test
    void priorityZeroAdvertIsAccepted() {
        byte[] bytes = VrrpCodec.encode(new VrrpPacket(3, 51, 0, 100, List.of(VIP), null), SRC, MCAST4);
        assertEquals("31330001", HEX.formatHex(bytes, 0, 4));
        assertEquals(0, VrrpCodec.decode(bytes, SRC, MCAST4, 255, V3_EXPECTED).packet().priority());
    }

    @Test
    void decodeReadsAtAnOffset() {
        byte[] framed = concat(new byte[20], hex(KEEPALIVED_V3));
        assertEquals(150, VrrpCodec.decode(framed, 20, 12, SRC, MCAST4, 255, V3_EXPECTED).packet().priority());
    }

    @Test
    void packetsThatCannotBeSentAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new VrrpPacket(2, 51, 100, 150, List.of(VIP), null));
        assertThrows(IllegalArgumentException.class, () -> new VrrpPacket(3, 51, 100, 100, List.of(VIP), "x"));
        assertThrows(IllegalArgumentException.class, () -> new VrrpPacket(2, 51, 100, 100, List.of(VIP), "123456789"));
        assertThrows(IllegalArgumentException.class, () -> new VrrpPacket(3, 0, 100, 100, List.of(VIP), null));
        assertThrows(IllegalArgumentException.class, () -> new VrrpPacket(3, 51, 100, 4096, List.of(VIP), null));
        assertThrows(IllegalArgumentException.class,
                () -> new VrrpPacket(3, 51, 100, 100, List.of(VIP, ip("2001:db8::1")), null));
        assertThrows(IllegalArgumentException.class,
                () -> VrrpCodec.encode(new VrrpPacket(3, 51, 100, 100, List.of(VIP), null), SRC6, MCAST6));
    }

    // --- an independent checksum, written from RFC 1071 without looking at the codec ---

    /** The one's-complement of the one's-complement sum of 16-bit words: 0 for a message with a valid checksum. */
    private static int independentChecksum(byte[] bytes) {
        int sum = 0;
        for (int i = 0; i < bytes.length; i += 2) {
            int word = (bytes[i] & 0xFF) << 8 | (i + 1 < bytes.length ? bytes[i + 1] & 0xFF : 0);
            sum += word;
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return ~sum & 0xFFFF;
    }

    private static byte[] pseudoHeader4(InetAddress src, InetAddress dst, int length) {
        return concat(concat(src.getAddress(), dst.getAddress()), new byte[] {0, 112, 0, (byte) length});
    }

    private static byte[] pseudoHeader6(InetAddress src, InetAddress dst, int length) {
        return concat(concat(src.getAddress(), dst.getAddress()), new byte[] {0, 0, 0, (byte) length, 0, 0, 0, 112});
    }

    /** Recomputes a v3/IPv4 checksum (from SRC to MCAST4) after a test changed a field. */
    private static void fixChecksum4(byte[] bytes) {
        bytes[6] = 0;
        bytes[7] = 0;
        int checksum = independentChecksum(concat(pseudoHeader4(SRC, MCAST4, bytes.length), bytes));
        bytes[6] = (byte) (checksum >> 8);
        bytes[7] = (byte) checksum;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] all = new byte[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    static byte[] hex(String spaced) {
        return HEX.parseHex(spaced.replace(" ", ""));
    }

    static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
