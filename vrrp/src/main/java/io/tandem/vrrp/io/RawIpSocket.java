package io.tandem.vrrp.io;

import static io.tandem.vrrp.io.Libc.C;

import io.tandem.core.config.HostPort;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * A raw IP socket for one protocol (112 for VRRP) on one interface: sends payloads to which the kernel adds the
 * IP header, receives payloads with the source, destination and TTL (IPv4) or hop limit (IPv6) they arrived with.
 *
 * <p>IPv4: bound to the interface (SO_BINDTODEVICE), multicast out of it, TTL 255 for unicast and multicast,
 * multicast loop off. IPv6: the same with hop limits, and the kernel computes and verifies the upper-layer
 * checksum at offset 6 (IPV6_CHECKSUM, as keepalived does), so VRRPv3 over IPv6 needs no pseudo-header in
 * user space and packets with a bad checksum never arrive. Groups are joined with {@link #joinMulticast}.
 *
 * <p>The socket belongs to the network namespace of the thread that opens it. {@link #receive} blocks (up to its
 * timeout): call it from a dedicated thread (see {@link PacketReceiver}), never from an event loop. {@link #send}
 * and {@link #receive} may run on different threads at once; {@link #close} wakes a blocked receive.
 */
public final class RawIpSocket implements AutoCloseable {

    /** The VRRP protocol number. */
    public static final int PROTO_VRRP = 112;
    /** VRRP's IPv4 group, 224.0.0.18. */
    public static final InetAddress VRRP_GROUP_V4 = literal("224.0.0.18");
    /** VRRP's IPv6 group, ff02::12. */
    public static final InetAddress VRRP_GROUP_V6 = literal("ff02::12");

    private static final int MAX_PACKET = 65_536;
    private static final int CONTROL_SIZE = 256;

    /** The address family of a socket. */
    public enum Family {
        V4, V6;

        public static Family of(InetAddress address) {
            return address instanceof Inet6Address ? V6 : V4;
        }
    }

    /**
     * One packet: where it came from and was sent to, its TTL (IPv4) or hop limit (IPv6), and the payload after the
     * IP header. Checking the TTL (255 for VRRP) is the caller's business: this layer reports, it does not judge.
     */
    public record Received(InetAddress source, InetAddress destination, int ttl, byte[] payload) {
        @Override
        public String toString() {
            return "Received[" + HostPort.text(source) + " -> " + HostPort.text(destination) + " ttl " + ttl + ", "
                    + payload.length + " bytes]";
        }
    }

    private final String interfaceName;
    private final int ifindex;
    private final int protocol;
    private final Family family;
    private final int fd;
    private final int wakeFd;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private volatile boolean closed;

    // Receive buffers, used under the receive monitor only: one receiver at a time.
    private final Object receiveMonitor = new Object();
    private final Pointer msghdr = Memory.allocateDirect(Libc.RUNTIME, 56);
    private final Pointer iov = Memory.allocateDirect(Libc.RUNTIME, 16);
    private final Pointer name = Memory.allocateDirect(Libc.RUNTIME, 28);
    private final Pointer control = Memory.allocateDirect(Libc.RUNTIME, CONTROL_SIZE);
    private final Pointer buffer = Memory.allocateDirect(Libc.RUNTIME, MAX_PACKET);

    private RawIpSocket(String interfaceName, int ifindex, int protocol, Family family, int fd, int wakeFd) {
        this.interfaceName = interfaceName;
        this.ifindex = ifindex;
        this.protocol = protocol;
        this.family = family;
        this.fd = fd;
        this.wakeFd = wakeFd;
    }

    /** A raw socket for {@code protocol} on {@code interfaceName}; the kernel picks the source address. */
    public static RawIpSocket open(String interfaceName, int protocol, Family family) throws IOException {
        return open(interfaceName, protocol, family, null);
    }

    /**
     * A raw socket for {@code protocol} on {@code interfaceName}, bound to {@code source} when not null (VRRP's
     * unicast source; the source of a VRRPv3 IPv4 checksum's pseudo-header). Joins no group.
     */
    public static RawIpSocket open(String interfaceName, int protocol, Family family, InetAddress source)
            throws IOException {
        Objects.requireNonNull(family, "family");
        if (protocol <= 0 || protocol > 255) {
            throw new IllegalArgumentException("IP protocol must be 1..255: " + protocol);
        }
        if (source != null && Family.of(source) != family) {
            throw new IllegalArgumentException("source " + HostPort.text(source) + " is not " + family);
        }
        byte[] devname = Libc.ifname(interfaceName);
        String where = "raw socket (protocol " + protocol + ", " + family + ") on " + interfaceName;
        int fd = Libc.openSocket(family == Family.V4 ? Libc.AF_INET : Libc.AF_INET6, Libc.SOCK_RAW, protocol, where,
                "raw socket");
        int wakeFd = -1;
        try {
            int ifindex = Libc.ifindex(fd, interfaceName);
            Libc.set(fd, Libc.SOL_SOCKET, Libc.SO_BINDTODEVICE, devname, "SO_BINDTODEVICE " + where);
            if (family == Family.V4) {
                // struct ip_mreqn { in_addr multiaddr; in_addr address; int ifindex; }: the interface by index.
                byte[] mreqn = ByteBuffer.allocate(12).order(ByteOrder.nativeOrder()).putInt(8, ifindex).array();
                Libc.set(fd, Libc.IPPROTO_IP, Libc.IP_MULTICAST_IF, mreqn, "IP_MULTICAST_IF " + where);
                Libc.setInt(fd, Libc.IPPROTO_IP, Libc.IP_MULTICAST_TTL, 255, "IP_MULTICAST_TTL " + where);
                Libc.setInt(fd, Libc.IPPROTO_IP, Libc.IP_TTL, 255, "IP_TTL " + where);
                Libc.setInt(fd, Libc.IPPROTO_IP, Libc.IP_MULTICAST_LOOP, 0, "IP_MULTICAST_LOOP " + where);
            } else {
                Libc.setInt(fd, Libc.IPPROTO_IPV6, Libc.IPV6_MULTICAST_IF, ifindex, "IPV6_MULTICAST_IF " + where);
                Libc.setInt(fd, Libc.IPPROTO_IPV6, Libc.IPV6_MULTICAST_HOPS, 255, "IPV6_MULTICAST_HOPS " + where);
                Libc.setInt(fd, Libc.IPPROTO_IPV6, Libc.IPV6_UNICAST_HOPS, 255, "IPV6_UNICAST_HOPS " + where);
                Libc.setInt(fd, Libc.IPPROTO_IPV6, Libc.IPV6_MULTICAST_LOOP, 0, "IPV6_MULTICAST_LOOP " + where);
                Libc.setInt(fd, Libc.IPPROTO_IPV6, Libc.IPV6_RECVHOPLIMIT, 1, "IPV6_RECVHOPLIMIT " + where);
                Libc.setInt(fd, Libc.IPPROTO_IPV6, Libc.IPV6_RECVPKTINFO, 1, "IPV6_RECVPKTINFO " + where);
                if (protocol != Libc.IPPROTO_ICMPV6) { // ICMPv6 sockets always checksum; the option is refused there
                    Libc.setInt(fd, Libc.IPPROTO_IPV6, Libc.IPV6_CHECKSUM, 6, "IPV6_CHECKSUM " + where);
                }
            }
            if (source != null) {
                byte[] sa = family == Family.V4 ? Libc.sockaddrIn(source.getAddress())
                        : Libc.sockaddrIn6(source.getAddress(), source.isLinkLocalAddress() ? ifindex : 0);
                if (C.bind(fd, sa, sa.length) != 0) {
                    int errno = Libc.errno();
                    throw Libc.failure("bind " + where + " to " + HostPort.text(source)
                            + (errno == Libc.EADDRNOTAVAIL ? " (not an address of this host)" : ""), errno);
                }
            }
            wakeFd = C.eventfd(0, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK);
            if (wakeFd < 0) {
                throw Libc.failure("eventfd for " + where, Libc.errno());
            }
            return new RawIpSocket(interfaceName, ifindex, protocol, family, fd, wakeFd);
        } catch (IOException | RuntimeException e) {
            Libc.closeQuietly(fd);
            Libc.closeQuietly(wakeFd);
            throw e;
        }
    }

    /** Joins {@code group} (224.0.0.18 or ff02::12 for VRRP) on this socket's interface. */
    public void joinMulticast(InetAddress group) throws IOException {
        if (!group.isMulticastAddress() || Family.of(group) != family) {
            throw new IllegalArgumentException("not an " + family + " multicast group: " + HostPort.text(group));
        }
        String what = "join " + HostPort.text(group) + " on " + interfaceName;
        lock.readLock().lock();
        try {
            ensureOpen();
            if (family == Family.V4) {
                byte[] mreqn = ByteBuffer.allocate(12).order(ByteOrder.nativeOrder())
                        .put(group.getAddress()).putInt(0).putInt(ifindex).array();
                Libc.set(fd, Libc.IPPROTO_IP, Libc.IP_ADD_MEMBERSHIP, mreqn, what);
            } else {
                byte[] mreq = ByteBuffer.allocate(20).order(ByteOrder.nativeOrder())
                        .put(group.getAddress()).putInt(ifindex).array();
                Libc.set(fd, Libc.IPPROTO_IPV6, Libc.IPV6_ADD_MEMBERSHIP, mreq, what);
            }
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Sends {@code payload} (a whole VRRP packet) to {@code destination}; the kernel adds the IP header. */
    public void send(byte[] payload, InetAddress destination) throws IOException {
        if (Family.of(destination) != family) {
            throw new IllegalArgumentException(HostPort.text(destination) + " is not " + family);
        }
        byte[] sa = family == Family.V4 ? Libc.sockaddrIn(destination.getAddress())
                : Libc.sockaddrIn6(destination.getAddress(), needsScope(destination) ? ifindex : 0);
        lock.readLock().lock();
        try {
            ensureOpen();
            long n;
            do {
                n = C.sendto(fd, payload, payload.length, 0, sa, sa.length);
            } while (n < 0 && Libc.errno() == Libc.EINTR);
            if (n < 0) {
                throw Libc.failure("send " + payload.length + " bytes (protocol " + protocol + ") to "
                        + HostPort.text(destination) + " on " + interfaceName, Libc.errno());
            }
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Waits up to {@code timeoutMillis} (0: do not wait; negative: forever) for a packet.
     *
     * @return the packet, or null when the time ran out or the socket was closed
     */
    public Received receive(long timeoutMillis) throws IOException {
        long deadline = timeoutMillis < 0 ? Long.MAX_VALUE : System.nanoTime() + timeoutMillis * 1_000_000L;
        synchronized (receiveMonitor) {
            lock.readLock().lock();
            try {
                while (!closed) {
                    long left = timeoutMillis < 0 ? -1 : Math.max(0, (deadline - System.nanoTime()) / 1_000_000L);
                    int ready = pollReadable((int) Math.min(left, Integer.MAX_VALUE));
                    if (ready < 0) {
                        return null; // woken by close()
                    }
                    if (ready > 0) {
                        Received r = receiveOne();
                        if (r != null) {
                            return r;
                        }
                        continue;
                    }
                    if (timeoutMillis >= 0 && System.nanoTime() - deadline >= 0) {
                        return null;
                    }
                }
                return null;
            } finally {
                lock.readLock().unlock();
            }
        }
    }

    /** 1: the socket is readable; 0: timed out; -1: close() woke us. */
    private int pollReadable(int timeoutMillis) throws IOException {
        ByteBuffer fds = ByteBuffer.allocate(16).order(ByteOrder.nativeOrder());
        fds.putInt(0, fd).putShort(4, Libc.POLLIN).putInt(8, wakeFd).putShort(12, Libc.POLLIN);
        byte[] raw = fds.array();
        int n = C.poll(raw, 2, timeoutMillis);
        if (n < 0) {
            int errno = Libc.errno();
            if (errno == Libc.EINTR) {
                return 0;
            }
            throw Libc.failure("poll raw socket on " + interfaceName, errno);
        }
        ByteBuffer result = ByteBuffer.wrap(raw).order(ByteOrder.nativeOrder());
        if (result.getShort(14) != 0 || closed) {
            return -1;
        }
        return result.getShort(6) != 0 ? 1 : 0;
    }

    /** One recvmsg; null when what arrived is not a whole packet of ours (then the caller waits again). */
    private Received receiveOne() throws IOException {
        iov.putAddress(0, buffer.address());
        iov.putLong(8, MAX_PACKET);
        msghdr.putAddress(0, name.address());
        msghdr.putInt(8, 28);
        msghdr.putAddress(16, iov.address());
        msghdr.putLong(24, 1);
        msghdr.putAddress(32, control.address());
        msghdr.putLong(40, CONTROL_SIZE);
        msghdr.putInt(48, 0);
        long n = C.recvmsg(fd, msghdr, 0);
        if (n < 0) {
            int errno = Libc.errno();
            if (errno == Libc.EINTR || errno == Libc.EAGAIN) {
                return null;
            }
            throw Libc.failure("receive on raw socket (protocol " + protocol + ") on " + interfaceName, errno);
        }
        if ((msghdr.getInt(48) & Libc.MSG_TRUNC) != 0) {
            return null;
        }
        byte[] data = new byte[(int) n];
        buffer.get(0, data, 0, data.length);
        if (family == Family.V4) {
            return parseIpv4(data);
        }
        return receivedIpv6(data);
    }

    /**
     * An IPv4 packet as a raw socket delivers it (header included): source, destination, TTL and the payload after
     * the header. Null for what is not a well-formed IPv4 header.
     */
    static Received parseIpv4(byte[] packet) {
        if (packet.length < 20 || (packet[0] >> 4 & 0xF) != 4) {
            return null;
        }
        int headerLength = (packet[0] & 0xF) * 4;
        if (headerLength < 20 || headerLength > packet.length) {
            return null;
        }
        int totalLength = (packet[2] & 0xFF) << 8 | packet[3] & 0xFF;
        int end = totalLength >= headerLength && totalLength <= packet.length ? totalLength : packet.length;
        try {
            InetAddress src = InetAddress.getByAddress(Arrays.copyOfRange(packet, 12, 16));
            InetAddress dst = InetAddress.getByAddress(Arrays.copyOfRange(packet, 16, 20));
            return new Received(src, dst, packet[8] & 0xFF, Arrays.copyOfRange(packet, headerLength, end));
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private Received receivedIpv6(byte[] payload) throws UnknownHostException {
        // sockaddr_in6 of the sender: family, port, flowinfo, address at 8, scope id at 24.
        byte[] src = new byte[16];
        name.get(8, src, 0, 16);
        int scope = name.getInt(24);
        InetAddress source = scope != 0 ? Inet6Address.getByAddress(null, src, scope) : InetAddress.getByAddress(src);
        int hopLimit = -1;
        InetAddress destination = null;
        long controlLength = msghdr.getLong(40);
        long offset = 0;
        while (offset + 16 <= controlLength) { // struct cmsghdr { size_t len; int level; int type; data }
            long len = control.getLong(offset);
            int level = control.getInt(offset + 8);
            int type = control.getInt(offset + 12);
            if (len < 16 || offset + len > controlLength) {
                break;
            }
            if (level == Libc.IPPROTO_IPV6 && type == Libc.IPV6_HOPLIMIT && len >= 20) {
                hopLimit = control.getInt(offset + 16);
            } else if (level == Libc.IPPROTO_IPV6 && type == Libc.IPV6_PKTINFO && len >= 36) {
                byte[] dst = new byte[16]; // struct in6_pktinfo { in6_addr addr; int ifindex; }
                control.get(offset + 16, dst, 0, 16);
                destination = InetAddress.getByAddress(dst);
            }
            offset += (len + 7) & ~7L;
        }
        if (destination == null) {
            return null;
        }
        return new Received(source, destination, hopLimit, payload);
    }

    private static boolean needsScope(InetAddress address) {
        return address.isLinkLocalAddress() || address.isMCLinkLocal() || address.isMulticastAddress();
    }

    /** Sets a socket option the open call does not (a filter, a buffer size). */
    void setOption(int level, int option, byte[] value, String what) throws IOException {
        lock.readLock().lock();
        try {
            ensureOpen();
            Libc.set(fd, level, option, value, what + " on " + interfaceName);
        } finally {
            lock.readLock().unlock();
        }
    }

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new NativeIoException("raw socket (protocol " + protocol + ") on " + interfaceName + " is closed", 0);
        }
    }

    /**
     * The interface's primary IPv4 address now (SIOCGIFADDR, in the socket's namespace): the source the kernel puts
     * on packets from an unbound socket, so the source of a VRRPv3 IPv4 checksum's pseudo-header. Null when the
     * interface has no IPv4 address; IPv4 sockets only.
     */
    public Inet4Address interfaceAddress() throws IOException {
        if (family != Family.V4) {
            throw new IllegalStateException("interfaceAddress() is for IPv4 sockets; " + this);
        }
        lock.readLock().lock();
        try {
            ensureOpen();
            byte[] req = Libc.ifreq(interfaceName);
            if (C.ioctl(fd, Libc.SIOCGIFADDR, req) != 0) {
                int errno = Libc.errno();
                if (errno == Libc.EADDRNOTAVAIL) {
                    return null;
                }
                throw Libc.failure("IPv4 address of " + interfaceName, errno);
            }
            // ifr_addr is a sockaddr_in: family, port, then the address at offset 4.
            return (Inet4Address) InetAddress.getByAddress(Arrays.copyOfRange(req, Libc.IFNAMSIZ + 4, Libc.IFNAMSIZ + 8));
        } finally {
            lock.readLock().unlock();
        }
    }

    public String interfaceName() {
        return interfaceName;
    }

    public int interfaceIndex() {
        return ifindex;
    }

    public int protocol() {
        return protocol;
    }

    public Family family() {
        return family;
    }

    /** Wakes a blocked {@link #receive} (it returns null) and releases the socket. Idempotent. */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        C.write(wakeFd, Libc.ints(1, 0), 8); // an eventfd counter is a uint64: 1 in native order (little-endian)
        lock.writeLock().lock();
        try {
            Libc.closeQuietly(fd);
            Libc.closeQuietly(wakeFd);
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public String toString() {
        return "RawIpSocket[" + interfaceName + " protocol " + protocol + " " + family + (closed ? " closed" : "") + "]";
    }

    private static InetAddress literal(String ip) {
        try {
            return InetAddress.getByName(ip);
        } catch (UnknownHostException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
