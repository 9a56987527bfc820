package io.tandem.vrrp.io;

import static io.tandem.vrrp.io.Libc.C;

import io.tandem.core.config.HostPort;

import java.io.IOException;
import java.net.Inet4Address;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;

/**
 * Gratuitous ARP for IPv4 virtual addresses: the ARP request form of an announcement (sender = target = VIP,
 * sender hardware address = the interface's MAC, Ethernet broadcast), as keepalived sends on becoming master, so
 * that neighbours and switches move the VIP to this node's MAC.
 *
 * <p>Frames go out of an AF_PACKET/SOCK_RAW socket addressed to the interface by index. The socket is send-only
 * (protocol 0: the kernel delivers it no frames). The MAC is read with SIOCGIFHWADDR when the socket opens, in the
 * network namespace of the opening thread. {@link #announce} sleeps between rounds: call it from a plain thread.
 */
public final class GratuitousArp implements Announcement<Inet4Address> {
    private static final byte[] BROADCAST = {-1, -1, -1, -1, -1, -1};
    /** 14-byte Ethernet header + 28-byte ARP, padded to Ethernet's 60-byte minimum (before the FCS). */
    static final int FRAME_LENGTH = 60;

    private final String interfaceName;
    private final int ifindex;
    private final byte[] mac;
    private final int fd;
    private volatile boolean closed;

    private GratuitousArp(String interfaceName, int ifindex, byte[] mac, int fd) {
        this.interfaceName = interfaceName;
        this.ifindex = ifindex;
        this.mac = mac;
        this.fd = fd;
    }

    /** A sender of gratuitous ARP out of {@code interfaceName}. */
    public static GratuitousArp open(String interfaceName) throws IOException {
        int control = Libc.controlSocket();
        int ifindex;
        byte[] mac;
        try {
            ifindex = Libc.ifindex(control, interfaceName);
            mac = Libc.hwaddr(control, interfaceName);
        } finally {
            Libc.closeQuietly(control);
        }
        int fd = Libc.openSocket(Libc.AF_PACKET, Libc.SOCK_RAW, 0, "packet socket on " + interfaceName,
                "gratuitous ARP");
        return new GratuitousArp(interfaceName, ifindex, mac, fd);
    }

    /** The interface's MAC, the sender hardware address of every frame. */
    @Override
    public byte[] macAddress() {
        return mac.clone();
    }

    public String interfaceName() {
        return interfaceName;
    }

    /** Sends one gratuitous ARP for {@code vip}. */
    @Override
    public synchronized void send(Inet4Address vip) throws IOException {
        if (closed) {
            throw new NativeIoException("gratuitous ARP sender on " + interfaceName + " is closed", 0);
        }
        byte[] frame = frame(mac, vip);
        byte[] to = sockaddrLl(ifindex, BROADCAST);
        long n;
        do {
            n = C.sendto(fd, frame, frame.length, 0, to, to.length);
        } while (n < 0 && Libc.errno() == Libc.EINTR);
        if (n < 0) {
            int errno = Libc.errno();
            throw Libc.failure("gratuitous ARP for " + HostPort.text(vip) + " on " + interfaceName
                    + (errno == Libc.ENETDOWN ? " (interface down)" : ""), errno);
        }
    }

    /** The Ethernet frame of a gratuitous ARP request for {@code vip} from {@code mac}. */
    static byte[] frame(byte[] mac, Inet4Address vip) {
        if (mac.length != 6) {
            throw new IllegalArgumentException("not an Ethernet MAC: " + HexFormat.ofDelimiter(":").formatHex(mac));
        }
        byte[] ip = vip.getAddress();
        ByteBuffer b = ByteBuffer.allocate(FRAME_LENGTH).order(ByteOrder.BIG_ENDIAN);
        b.put(BROADCAST).put(mac).putShort((short) Libc.ETH_P_ARP);
        b.putShort((short) 1)          // hardware type: Ethernet
                .putShort((short) 0x0800) // protocol type: IPv4
                .put((byte) 6).put((byte) 4)
                .putShort((short) 1)      // operation: request
                .put(mac).put(ip)         // sender: our MAC, the VIP
                .put(new byte[6]).put(ip); // target: unknown MAC (RFC 5227 announcement), the VIP again
        return b.array();
    }

    /** struct sockaddr_ll: family, protocol (network order), ifindex, hatype, pkttype, halen, addr[8]. */
    private static byte[] sockaddrLl(int ifindex, byte[] destinationMac) {
        ByteBuffer b = ByteBuffer.allocate(20).order(ByteOrder.nativeOrder());
        b.putShort((short) Libc.AF_PACKET).putShort(Libc.htons(Libc.ETH_P_ARP)).putInt(ifindex)
                .putShort((short) 1).put((byte) 0).put((byte) 6).put(destinationMac);
        return b.array();
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            Libc.closeQuietly(fd);
        }
    }
}
