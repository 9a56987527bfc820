package io.tandem.vrrp;

import io.tandem.core.config.HostPort;
import io.tandem.core.config.VirtualAddress;
import io.tandem.core.config.VrrpInstanceConfig;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Writes and reads VRRP advertisements: the VRRP message only, the IP header being the socket's business.
 *
 * <pre>
 * v3 (RFC 5798 §5.1)                          v2 (RFC 3768 §5.1)
 * |Ver=3|Type=1| VRID | Priority | Count |    |Ver=2|Type=1| VRID | Priority | Count |
 * |rsvd | Max Adver Int (12 bits, cs) | Csum | |Auth Type|Adver Int (s)| Checksum     |
 * | IPv4 (4 bytes) or IPv6 (16) addresses  |    | IPv4 addresses                     |
 *                                             | Authentication Data (8 bytes)      |
 * </pre>
 *
 * The v3 checksum covers a pseudo-header (IPv4: source, destination, zero, protocol 112, VRRP length; IPv6:
 * source, destination, 32-bit length, three zero bytes, next header 112) and the message; the v2 checksum covers
 * the message only.
 *
 * <p>{@link #decode} applies RFC 5798 §7.1 (and RFC 3768 §7.1 for v2) in their order: TTL/hop limit 255, version,
 * type, complete packet, checksum, VRID, not the address owner, [v2: auth type and password], address list,
 * [v2: interval]. The address list check is the RFCs' MAY, done here: on a mismatch the packet is dropped unless
 * the sender is the address owner (priority 255), in which case it is accepted with
 * {@link DropReason#ADDRESS_LIST_MISMATCH} as a warning to log, exactly as §7.1 says.
 */
public final class VrrpCodec {
    /** IP protocol number of VRRP. */
    public static final int PROTOCOL = 112;
    /** The IPv4 TTL / IPv6 hop limit every VRRP packet must be sent and received with. */
    public static final int TTL = 255;
    private static final int HEADER_LENGTH = 8;

    private VrrpCodec() {
    }

    /** Why a received packet was not accepted. All but {@link #WRONG_VRID} count as errors. */
    public enum DropReason {
        /** The IPv4 TTL or IPv6 hop limit is not 255: the packet crossed a router. */
        BAD_TTL,
        /** Not the VRRP version this instance speaks. */
        BAD_VERSION,
        /** A type other than 1 (ADVERTISEMENT). */
        BAD_TYPE,
        /** Shorter than the fixed header (8 bytes; 16 for v2 with its authentication data). */
        BAD_LENGTH,
        /** Count IPvX Addrs does not match the address bytes the packet holds. */
        ADDRESS_COUNT_MISMATCH,
        BAD_CHECKSUM,
        /** For another virtual router: not this instance's business, and not an error. */
        WRONG_VRID,
        /** This router owns the addresses (priority 255): RFC 5798 §7.1 says discard whatever it receives. */
        LOCAL_OWNER,
        /** v2: auth type or password differs from ours. */
        AUTH_MISMATCH,
        /** The advertised addresses differ from ours (a drop, or only a warning when the sender is the owner). */
        ADDRESS_LIST_MISMATCH,
        /** v2: the Adver Int differs from ours (RFC 3768 §7.1). */
        INTERVAL_MISMATCH,
        /**
         * v3: Max Adver Int 0. Not in RFC 5798's list; refused because it would make every backup's
         * Master_Down_Interval zero.
         */
        BAD_INTERVAL;

        /** True for what should be counted and logged as an error (a foreign VRID is normal traffic). */
        public boolean isError() {
            return this != WRONG_VRID;
        }
    }

    /**
     * What the receiving instance expects: its version and VRID, whether it owns the addresses, its
     * advertisement interval in centiseconds (v2 checks it), its v2 password (null: auth type 0), its addresses.
     */
    public record Expected(int version, int vrid, boolean localOwner, int intervalCentis, String authPass,
                           Set<InetAddress> addresses) {
        public Expected {
            addresses = Set.copyOf(addresses);
        }

        /** What an instance configured as {@code config} expects to receive. */
        public static Expected of(VrrpInstanceConfig config) {
            Set<InetAddress> addresses = new HashSet<>();
            for (VirtualAddress address : config.virtualAddresses()) {
                addresses.add(address.address());
            }
            return new Expected(config.version(), config.vrid(), config.isOwner(),
                    VrrpTiming.toCentis(config.version(), config.advertInterval()), config.authPass(), addresses);
        }
    }

    /**
     * The outcome of {@link #decode}: a packet (accepted), a reason (dropped), or both (accepted with a warning:
     * only {@link DropReason#ADDRESS_LIST_MISMATCH} from the address owner); {@code detail} says what was seen.
     */
    public record Decoded(VrrpPacket packet, DropReason reason, String detail) {
        static Decoded drop(DropReason reason, String detail) {
            return new Decoded(null, reason, detail);
        }

        public boolean accepted() {
            return packet != null;
        }
    }

    /**
     * The VRRP message for {@code packet}. {@code source} and {@code destination} (the IP header's) enter the v3
     * checksum and must be of the addresses' family; v2 ignores them.
     */
    public static byte[] encode(VrrpPacket packet, InetAddress source, InetAddress destination) {
        int addressLength = packet.version() == 2 ? 4 : source.getAddress().length;
        if (packet.version() == 3 && (destination.getAddress().length != addressLength || packet.addresses()
                .stream().anyMatch(a -> a.getAddress().length != addressLength))) {
            throw new IllegalArgumentException("source, destination and addresses must be of one family");
        }
        int length = HEADER_LENGTH + packet.addresses().size() * addressLength
                + (packet.version() == 2 ? VrrpPacket.AUTH_DATA_LENGTH : 0);
        byte[] bytes = new byte[length];
        bytes[0] = (byte) (packet.version() << 4 | VrrpPacket.TYPE_ADVERTISEMENT);
        bytes[1] = (byte) packet.vrid();
        bytes[2] = (byte) packet.priority();
        bytes[3] = (byte) packet.addresses().size();
        if (packet.version() == 3) {
            bytes[4] = (byte) (packet.intervalCentis() >> 8 & 0x0F);
            bytes[5] = (byte) packet.intervalCentis();
        } else {
            bytes[4] = (byte) packet.authType();
            bytes[5] = (byte) (packet.intervalCentis() / 100);
        }
        int at = HEADER_LENGTH;
        for (InetAddress address : packet.addresses()) {
            System.arraycopy(address.getAddress(), 0, bytes, at, addressLength);
            at += addressLength;
        }
        if (packet.version() == 2) {
            System.arraycopy(packet.authData(), 0, bytes, at, VrrpPacket.AUTH_DATA_LENGTH);
        }
        int checksum = packet.version() == 3 ? checksumV3(bytes, 0, length, source, destination)
                : checksum(0, bytes, 0, length);
        bytes[6] = (byte) (checksum >> 8);
        bytes[7] = (byte) checksum;
        return bytes;
    }

    /** The VRID of a received message before any check, for handing it to its instance; -1 when too short. */
    public static int peekVrid(byte[] data, int offset, int length) {
        return length < 2 ? -1 : data[offset + 1] & 0xFF;
    }

    /** {@link #decode(byte[], int, int, InetAddress, InetAddress, int, Expected)} of a whole array. */
    public static Decoded decode(byte[] data, InetAddress source, InetAddress destination, int ttl,
                                 Expected expected) {
        return decode(data, 0, data.length, source, destination, ttl, expected);
    }

    /**
     * Checks and reads the VRRP message {@code data[offset, offset + length)} that arrived from {@code source} to
     * {@code destination} with IPv4 TTL / IPv6 hop limit {@code ttl}. Never throws for bad input.
     */
    public static Decoded decode(byte[] data, int offset, int length, InetAddress source, InetAddress destination,
                                 int ttl, Expected expected) {
        if (ttl != TTL) {
            return Decoded.drop(DropReason.BAD_TTL, "TTL " + ttl);
        }
        if (length < 1) {
            return Decoded.drop(DropReason.BAD_LENGTH, "empty");
        }
        int version = (data[offset] & 0xFF) >> 4;
        if (version != expected.version()) {
            return Decoded.drop(DropReason.BAD_VERSION, "version " + version + ", expected " + expected.version());
        }
        int type = data[offset] & 0x0F;
        if (type != VrrpPacket.TYPE_ADVERTISEMENT) {
            return Decoded.drop(DropReason.BAD_TYPE, "type " + type);
        }
        int trailer = version == 2 ? VrrpPacket.AUTH_DATA_LENGTH : 0;
        if (length < HEADER_LENGTH + trailer) {
            return Decoded.drop(DropReason.BAD_LENGTH, length + " bytes");
        }
        int addressLength = version == 2 || source instanceof Inet4Address ? 4 : 16;
        int count = data[offset + 3] & 0xFF;
        if (length != HEADER_LENGTH + count * addressLength + trailer) {
            return Decoded.drop(DropReason.ADDRESS_COUNT_MISMATCH, count + " addresses in " + length + " bytes");
        }
        int checksum = version == 3 ? checksumV3(data, offset, length, source, destination)
                : checksum(0, data, offset, length);
        if (checksum != 0) {
            return Decoded.drop(DropReason.BAD_CHECKSUM, "checksum 0x" + Integer.toHexString(
                    (data[offset + 6] & 0xFF) << 8 | data[offset + 7] & 0xFF));
        }
        int vrid = data[offset + 1] & 0xFF;
        if (vrid != expected.vrid()) {
            return Decoded.drop(DropReason.WRONG_VRID, "vrid " + vrid);
        }
        if (expected.localOwner()) {
            return Decoded.drop(DropReason.LOCAL_OWNER, "advert from " + HostPort.text(source));
        }
        String authPass = null;
        if (version == 2) {
            int authType = data[offset + 4] & 0xFF;
            byte[] authData = Arrays.copyOfRange(data, offset + length - trailer, offset + length);
            byte[] ours = new byte[VrrpPacket.AUTH_DATA_LENGTH];
            if (expected.authPass() != null) {
                byte[] pass = VrrpPacket.authBytes(expected.authPass());
                System.arraycopy(pass, 0, ours, 0, pass.length);
            }
            int ourType = expected.authPass() == null ? VrrpPacket.AUTH_NONE : VrrpPacket.AUTH_SIMPLE_TEXT;
            if (authType != ourType) {
                return Decoded.drop(DropReason.AUTH_MISMATCH, "auth type " + authType + ", expected " + ourType);
            }
            if (authType == VrrpPacket.AUTH_SIMPLE_TEXT) {
                if (!Arrays.equals(authData, ours)) {
                    return Decoded.drop(DropReason.AUTH_MISMATCH, "wrong password");
                }
                authPass = expected.authPass();
            }
        }
        int priority = data[offset + 2] & 0xFF;
        List<InetAddress> addresses = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int at = offset + HEADER_LENGTH + i * addressLength;
            try {
                addresses.add(InetAddress.getByAddress(Arrays.copyOfRange(data, at, at + addressLength)));
            } catch (UnknownHostException impossible) {
                throw new IllegalStateException(impossible);
            }
        }
        DropReason warning = null;
        String detail = null;
        if (!new HashSet<>(addresses).equals(expected.addresses()) || addresses.size() != expected.addresses().size()) {
            detail = "advertised " + addresses.stream().map(HostPort::text).toList();
            if (priority != VrrpPacket.OWNER_PRIORITY) {
                return Decoded.drop(DropReason.ADDRESS_LIST_MISMATCH, detail);
            }
            warning = DropReason.ADDRESS_LIST_MISMATCH;
        }
        int intervalCentis = version == 3 ? ((data[offset + 4] & 0x0F) << 8 | data[offset + 5] & 0xFF)
                : (data[offset + 5] & 0xFF) * 100;
        if (version == 2 && intervalCentis != expected.intervalCentis()) {
            return Decoded.drop(DropReason.INTERVAL_MISMATCH, "interval " + intervalCentis / 100 + "s, expected "
                    + expected.intervalCentis() / 100 + "s");
        }
        if (version == 3 && intervalCentis == 0) {
            return Decoded.drop(DropReason.BAD_INTERVAL, "Max Adver Int 0");
        }
        return new Decoded(new VrrpPacket(version, vrid, priority, intervalCentis, addresses, authPass), warning,
                detail);
    }

    /** The v3 checksum field value over the pseudo-header and the message (0 when checking a valid message). */
    private static int checksumV3(byte[] data, int offset, int length, InetAddress source, InetAddress destination) {
        byte[] src = source.getAddress();
        byte[] dst = destination.getAddress();
        long sum = sumWords(0, src, 0, src.length);
        sum = sumWords(sum, dst, 0, dst.length);
        // IPv4: zero, protocol, 16-bit length; IPv6: 32-bit length, three zeros, next header. Both add up to
        // protocol + length as 16-bit words, as the length of a VRRP message stays below 65536.
        sum += PROTOCOL + length;
        return checksum(sum, data, offset, length);
    }

    /** The Internet checksum (RFC 1071) of {@code data} added to {@code partial}. */
    private static int checksum(long partial, byte[] data, int offset, int length) {
        long sum = sumWords(partial, data, offset, length);
        while ((sum >> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }
        return (int) (~sum & 0xFFFF);
    }

    private static long sumWords(long sum, byte[] data, int offset, int length) {
        for (int i = 0; i + 1 < length; i += 2) {
            sum += (data[offset + i] & 0xFF) << 8 | data[offset + i + 1] & 0xFF;
        }
        if ((length & 1) != 0) {
            sum += (data[offset + length - 1] & 0xFF) << 8;
        }
        return sum;
    }
}
