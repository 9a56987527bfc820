package io.tandem.vrrp.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.LibraryOption;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.types.size_t;
import jnr.ffi.types.ssize_t;

/**
 * The few libc calls the VRRP plumbing needs, through jnr-ffi, and the Linux constants and struct layouts
 * that go with them. Linux on a 64-bit little- or big-endian CPU (x86_64, aarch64); structs are built in
 * byte arrays in native order, network-order fields explicitly big-endian.
 */
final class Libc {

    /** The libc functions, as jnr-ffi binds them. */
    public interface Api {
        int socket(int domain, int type, int protocol);

        int setsockopt(int fd, int level, int optname, @In byte[] optval, int optlen);

        int bind(int fd, @In byte[] addr, int addrlen);

        @ssize_t long sendto(int fd, @In byte[] buf, @size_t long len, int flags, @In byte[] addr, int addrlen);

        @ssize_t long recvmsg(int fd, Pointer msghdr, int flags);

        @ssize_t long recvfrom(int fd, Pointer buf, @size_t long len, int flags, @Out byte[] addr,
                @In @Out int[] addrlen);

        int poll(@In @Out byte[] fds, long nfds, int timeoutMillis);

        int eventfd(int initval, int flags);

        @ssize_t long write(int fd, @In byte[] buf, @size_t long count);

        int ioctl(int fd, long request, @In @Out byte[] arg);

        int close(int fd);

        String strerror(int errnum);
    }

    static final int AF_INET = 2;
    static final int AF_INET6 = 10;
    static final int AF_NETLINK = 16;
    static final int AF_PACKET = 17;
    static final int SOCK_DGRAM = 2;
    static final int SOCK_RAW = 3;
    static final int SOCK_CLOEXEC = 0x80000;

    static final int SOL_SOCKET = 1;
    static final int SO_RCVTIMEO = 20;
    static final int SO_BINDTODEVICE = 25;

    static final int NETLINK_ROUTE = 0;
    static final int SOL_NETLINK = 270;
    static final int NETLINK_CAP_ACK = 10;
    static final int NETLINK_EXT_ACK = 11;

    static final int IPPROTO_IP = 0;
    static final int IP_TTL = 2;
    static final int IP_MULTICAST_IF = 32;
    static final int IP_MULTICAST_TTL = 33;
    static final int IP_MULTICAST_LOOP = 34;
    static final int IP_ADD_MEMBERSHIP = 35;

    static final int IPPROTO_IPV6 = 41;
    static final int IPPROTO_ICMPV6 = 58;
    static final int IPV6_CHECKSUM = 7;
    static final int IPV6_UNICAST_HOPS = 16;
    static final int IPV6_MULTICAST_IF = 17;
    static final int IPV6_MULTICAST_HOPS = 18;
    static final int IPV6_MULTICAST_LOOP = 19;
    static final int IPV6_ADD_MEMBERSHIP = 20;
    static final int IPV6_RECVPKTINFO = 49;
    static final int IPV6_PKTINFO = 50;
    static final int IPV6_RECVHOPLIMIT = 51;
    static final int IPV6_HOPLIMIT = 52;

    static final int ETH_P_ARP = 0x0806;
    static final int ETH_P_IPV6 = 0x86DD;

    static final short POLLIN = 0x1;
    static final int EFD_CLOEXEC = 0x80000;
    static final int EFD_NONBLOCK = 0x800;
    static final int MSG_TRUNC = 0x20;

    static final long SIOCGIFFLAGS = 0x8913;
    static final long SIOCGIFADDR = 0x8915;
    static final long SIOCGIFHWADDR = 0x8927;
    static final long SIOCGIFINDEX = 0x8933;
    static final int IFF_UP = 0x1;
    static final int IFF_RUNNING = 0x40;
    static final int IFNAMSIZ = 16;
    static final int IFREQ_SIZE = 40;

    static final int EPERM = 1;
    static final int EINTR = 4;
    static final int EAGAIN = 11;
    static final int EACCES = 13;
    static final int EEXIST = 17;
    static final int ENODEV = 19;
    static final int EINVAL = 22;
    static final int EMSGSIZE = 90;
    static final int EPROTONOSUPPORT = 93;
    static final int EADDRNOTAVAIL = 99;
    static final int ENETDOWN = 100;
    static final int ENETUNREACH = 101;
    static final int ENOBUFS = 105;
    static final int EHOSTUNREACH = 113;

    private static final Map<Integer, String> ERRNO_NAMES = Map.ofEntries(
            Map.entry(EPERM, "EPERM"), Map.entry(EINTR, "EINTR"), Map.entry(EAGAIN, "EAGAIN"),
            Map.entry(EACCES, "EACCES"), Map.entry(EEXIST, "EEXIST"), Map.entry(ENODEV, "ENODEV"), Map.entry(EINVAL, "EINVAL"),
            Map.entry(EMSGSIZE, "EMSGSIZE"), Map.entry(EPROTONOSUPPORT, "EPROTONOSUPPORT"),
            Map.entry(EADDRNOTAVAIL, "EADDRNOTAVAIL"), Map.entry(ENETDOWN, "ENETDOWN"),
            Map.entry(ENETUNREACH, "ENETUNREACH"), Map.entry(ENOBUFS, "ENOBUFS"),
            Map.entry(EHOSTUNREACH, "EHOSTUNREACH"));

    static final Runtime RUNTIME;
    static final Api C;

    static {
        C = LibraryLoader.create(Api.class).option(LibraryOption.SaveError, true).load("c");
        RUNTIME = Runtime.getRuntime(C);
        if (RUNTIME.addressSize() != 8) {
            throw new IllegalStateException("raw-socket I/O needs 64-bit Linux; this JVM has " + (8 * RUNTIME.addressSize()) + "-bit addresses");
        }
    }

    private Libc() {
    }

    static int errno() {
        return LastError.getLastError(RUNTIME);
    }

    /** "EPERM (Operation not permitted)". */
    static String describe(int errno) {
        String name = ERRNO_NAMES.getOrDefault(errno, "errno " + errno);
        return name + " (" + C.strerror(errno) + ")";
    }

    /** The failure of a call that just returned -1, as one line: what, where, errno, and a hint where one helps. */
    static NativeIoException failure(String what, int errno) {
        String hint = switch (errno) {
            case EPERM, EACCES -> ": needs CAP_NET_RAW and CAP_NET_ADMIN (run as root)";
            case ENODEV -> ": no such interface";
            default -> "";
        };
        return new NativeIoException(what + ": " + describe(errno) + hint, errno);
    }

    /**
     * socket(2) for a raw or packet socket, or the failure as one line; a permission failure says what it needs:
     * "raw socket needs CAP_NET_RAW (run as root)".
     */
    static int openSocket(int domain, int type, int protocol, String what, String kind) throws NativeIoException {
        int fd = C.socket(domain, type | SOCK_CLOEXEC, protocol);
        if (fd < 0) {
            int errno = errno();
            if (errno == EPERM || errno == EACCES) {
                throw new NativeIoException("open " + what + ": " + describe(errno) + ": " + kind
                        + " needs CAP_NET_RAW (run as root)", errno);
            }
            throw failure("open " + what, errno);
        }
        return fd;
    }

    static byte[] ints(int... values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.nativeOrder());
        for (int v : values) {
            b.putInt(v);
        }
        return b.array();
    }

    static void setInt(int fd, int level, int option, int value, String what) throws NativeIoException {
        set(fd, level, option, ints(value), what);
    }

    static void set(int fd, int level, int option, byte[] value, String what) throws NativeIoException {
        if (C.setsockopt(fd, level, option, value, value.length) != 0) {
            throw failure(what, errno());
        }
    }

    /** A NUL-terminated interface name, as SO_BINDTODEVICE and struct ifreq want it. */
    static byte[] ifname(String name) {
        byte[] raw = name.getBytes(StandardCharsets.US_ASCII);
        if (raw.length == 0 || raw.length >= IFNAMSIZ || name.indexOf('/') >= 0 || name.indexOf(' ') >= 0) {
            throw new IllegalArgumentException("not an interface name: '" + name + "'");
        }
        byte[] out = new byte[IFNAMSIZ];
        System.arraycopy(raw, 0, out, 0, raw.length);
        return out;
    }

    /** A struct ifreq holding the name, for the SIOCGIF* ioctls. */
    static byte[] ifreq(String name) {
        byte[] req = new byte[IFREQ_SIZE];
        System.arraycopy(ifname(name), 0, req, 0, IFNAMSIZ);
        return req;
    }

    /** ioctl on {@code fd} (any socket of the namespace to look in) with an ifreq for {@code name}. */
    static byte[] ifioctl(int fd, long request, String name, String what) throws NativeIoException {
        byte[] req = ifreq(name);
        if (C.ioctl(fd, request, req) != 0) {
            throw failure(what + " of " + name, errno());
        }
        return req;
    }

    static int ifindex(int fd, String name) throws NativeIoException {
        return ByteBuffer.wrap(ifioctl(fd, SIOCGIFINDEX, name, "interface index"), IFNAMSIZ, 4)
                .order(ByteOrder.nativeOrder()).getInt();
    }

    /** The hardware address of an Ethernet-like interface, seen through socket {@code fd}'s namespace. */
    static byte[] hwaddr(int fd, String name) throws NativeIoException {
        byte[] req = ifioctl(fd, SIOCGIFHWADDR, name, "hardware address");
        byte[] mac = new byte[6];
        System.arraycopy(req, IFNAMSIZ + 2, mac, 0, 6);
        return mac;
    }

    /** A socket to ask the kernel about interfaces with; it sees the namespace of the thread that opens it. */
    static int controlSocket() throws NativeIoException {
        int fd = C.socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            throw failure("control socket", errno());
        }
        return fd;
    }

    static void closeQuietly(int fd) {
        if (fd >= 0) {
            C.close(fd);
        }
    }

    /** sockaddr_in: family (native), port (network), address, zero padding. */
    static byte[] sockaddrIn(byte[] address4) {
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.nativeOrder());
        b.putShort((short) AF_INET).putShort((short) 0).put(address4);
        return b.array();
    }

    /** sockaddr_in6: family (native), port, flowinfo, address, scope id (native). */
    static byte[] sockaddrIn6(byte[] address16, int scopeId) {
        ByteBuffer b = ByteBuffer.allocate(28).order(ByteOrder.nativeOrder());
        b.putShort((short) AF_INET6).putShort((short) 0).putInt(0).put(address16).putInt(scopeId);
        return b.array();
    }

    static short htons(int v) {
        return ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN ? (short) v : Short.reverseBytes((short) v);
    }
}
