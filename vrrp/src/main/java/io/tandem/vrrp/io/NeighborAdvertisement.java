package io.tandem.vrrp.io;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Unsolicited neighbour advertisements for IPv6 virtual addresses (RFC 4861 §7.2.6), IPv6's gratuitous ARP: to all
 * nodes (ff02::1), hop limit 255, Override set, Solicited clear, with the interface's MAC as target link-layer
 * address, so neighbours that cache the VIP move it to this node.
 *
 * <p>Sent on a raw ICMPv6 socket bound to the interface; the kernel picks the source (the interface's link-local
 * address) and computes the checksum, and a filter keeps every incoming ICMPv6 message away from the socket.
 * {@link #announce} sleeps between rounds: call it from a plain thread.
 */
public final class NeighborAdvertisement implements Announcement<Inet6Address> {
    private static final int ICMP6_FILTER = 1;
    private static final InetAddress ALL_NODES;

    static {
        try {
            ALL_NODES = InetAddress.getByName("ff02::1");
        } catch (UnknownHostException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final RawIpSocket socket;
    private final byte[] mac;

    private NeighborAdvertisement(RawIpSocket socket, byte[] mac) {
        this.socket = socket;
        this.mac = mac;
    }

    /** A sender of unsolicited neighbour advertisements out of {@code interfaceName}. */
    public static NeighborAdvertisement open(String interfaceName) throws IOException {
        byte[] mac;
        int control = Libc.controlSocket();
        try {
            mac = Libc.hwaddr(control, interfaceName);
        } finally {
            Libc.closeQuietly(control);
        }
        RawIpSocket socket = RawIpSocket.open(interfaceName, Libc.IPPROTO_ICMPV6, RawIpSocket.Family.V6);
        try {
            byte[] blockAll = new byte[32]; // struct icmp6_filter: a set bit blocks that type
            Arrays.fill(blockAll, (byte) 0xFF);
            socket.setOption(Libc.IPPROTO_ICMPV6, ICMP6_FILTER, blockAll, "ICMP6_FILTER");
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
        return new NeighborAdvertisement(socket, mac);
    }

    /** Sends one unsolicited advertisement for {@code vip}. */
    @Override
    public void send(Inet6Address vip) throws IOException {
        socket.send(message(mac, vip), ALL_NODES);
    }

    /** The ICMPv6 message (checksum left 0: the kernel fills it in). */
    static byte[] message(byte[] mac, Inet6Address target) {
        return ByteBuffer.allocate(32)
                .put((byte) 136).put((byte) 0).putShort((short) 0) // type: neighbour advertisement, code, checksum
                .put((byte) 0x20).put(new byte[3])                  // flags: Override (not Router, not Solicited)
                .put(target.getAddress())
                .put((byte) 2).put((byte) 1).put(mac)               // option: target link-layer address, 8 bytes
                .array();
    }

    @Override
    public byte[] macAddress() {
        return mac.clone();
    }

    @Override
    public void close() {
        socket.close();
    }
}
