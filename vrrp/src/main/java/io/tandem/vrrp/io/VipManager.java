package io.tandem.vrrp.io;

import static io.tandem.vrrp.io.Libc.C;

import io.tandem.core.config.HostPort;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * Adds and removes virtual addresses on an interface over rtnetlink (RTM_NEWADDR / RTM_DELADDR, as keepalived
 * does), with the same messages {@code ip -4|-6 addr add|del ADDR/LEN dev IF [label L] [nodad]} would send, so
 * that {@code ip addr} shows exactly what it would after those commands; lists them with an RTM_GETADDR dump.
 *
 * <p>Adding an address that is there and removing one that is not are not errors (they answer false): VRRP
 * re-asserts its addresses on every transition. IPv6 addresses are added {@code nodad}, usable at once (a VIP that
 * moves would otherwise fail duplicate detection against the old master, or wait a second for it). A change is one
 * request and the kernel's acknowledgement on one netlink socket (tens of microseconds, no child process); every
 * call still blocks until the kernel answers (up to 5 s): call from a plain thread, never an event loop. A failure
 * is an {@link IOException} with one line: the change ({@code rtnetlink addr add 198.18.0.100/24 dev eth0}), the
 * errno and, when the kernel gives one, its own explanation.
 *
 * <p>The netlink socket (and a control socket for interface indexes) is opened by the first call, or by {@link
 * #open()}, and belongs to the network namespace of the thread that opens it, whatever thread uses it later: a
 * manager made with {@link #open()} on a thread inside a namespace acts in that namespace. Calls are serialized.
 * {@link #close()} releases the sockets; a closed manager refuses further calls.
 */
public final class VipManager implements AutoCloseable {

    /** A virtual address with its prefix length, as in {@code 198.18.0.100/24}. */
    public record Vip(InetAddress address, int prefixLength) {
        public Vip {
            Objects.requireNonNull(address, "address");
            int max = address instanceof Inet6Address ? 128 : 32;
            if (prefixLength < 0 || prefixLength > max) {
                throw new IllegalArgumentException("prefix length must be 0.." + max + ": " + prefixLength);
            }
        }

        /** {@code 198.18.0.100/24}, {@code 2001:2::100/64}; no prefix: /32 or /128. Literals only, never DNS. */
        public static Vip parse(String text) {
            String s = text.strip();
            int slash = s.indexOf('/');
            String ip = slash < 0 ? s : s.substring(0, slash);
            if (ip.isEmpty() || !(ip.indexOf(':') >= 0 || ip.chars().allMatch(c -> c == '.' || Character.isDigit(c)))) {
                throw new IllegalArgumentException("not an IP address: '" + text + "'");
            }
            InetAddress address;
            try {
                address = InetAddress.getByName(ip);
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("not an IP address: '" + text + "'");
            }
            int max = address instanceof Inet6Address ? 128 : 32;
            try {
                return new Vip(address, slash < 0 ? max : Integer.parseInt(s.substring(slash + 1)));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not a prefix length in '" + text + "'");
            }
        }

        public boolean isIpv6() {
            return address instanceof Inet6Address;
        }

        @Override
        public String toString() {
            String ip = HostPort.text(address);
            int percent = ip.indexOf('%');
            return (percent < 0 ? ip : ip.substring(0, percent)) + "/" + prefixLength;
        }
    }

    // rtnetlink, from <linux/netlink.h>, <linux/rtnetlink.h>, <linux/if_addr.h>.
    static final int NLMSG_HDRLEN = 16;
    static final int NLMSG_ERROR = 2;
    static final int NLMSG_DONE = 3;
    static final int RTM_NEWADDR = 20;
    static final int RTM_DELADDR = 21;
    static final int RTM_GETADDR = 22;
    static final int NLM_F_REQUEST = 0x1;
    static final int NLM_F_ACK = 0x4;
    static final int NLM_F_DUMP_INTR = 0x10;
    static final int NLM_F_CAPPED = 0x100;
    static final int NLM_F_ACK_TLVS = 0x200;
    static final int NLM_F_DUMP = 0x300;
    static final int NLM_F_EXCL = 0x200;
    static final int NLM_F_CREATE = 0x400;
    static final int NLMSGERR_ATTR_MSG = 1;
    static final int IFADDRMSG_LEN = 8;
    static final int IFA_ADDRESS = 1;
    static final int IFA_LOCAL = 2;
    static final int IFA_LABEL = 3;
    static final int IFA_F_NODAD = 0x02;
    static final int RT_SCOPE_UNIVERSE = 0;
    static final int RT_SCOPE_HOST = 254;

    private static final int RECEIVE_BUFFER = 64 * 1024; // a dump datagram is at most 32 KiB
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final byte[] KERNEL = new byte[12]; // struct sockaddr_nl { AF_NETLINK, pad, pid 0, groups 0 }

    static {
        ByteBuffer.wrap(KERNEL).order(ByteOrder.nativeOrder()).putShort((short) Libc.AF_NETLINK);
    }

    // Guarded by this.
    private int netlinkFd = -1;
    private int controlFd = -1;
    private boolean closed;
    private int sequence = (int) (System.nanoTime() & 0x3FFF_FFFF);
    private Pointer receiveBuffer;
    private final byte[] senderAddress = new byte[12];
    private final int[] senderLength = new int[1];

    /**
     * A manager whose sockets the first call opens, in that thread's network namespace (the daemon's own: it runs
     * inside the namespace it manages).
     */
    public VipManager() {
    }

    /**
     * A manager whose sockets are open already, in the network namespace of the calling thread: from a thread that
     * setns(2) moved into a namespace, it acts in that namespace whatever thread calls it later.
     */
    public static VipManager open() throws IOException {
        VipManager manager = new VipManager();
        synchronized (manager) {
            manager.ensureOpen("open rtnetlink socket");
        }
        return manager;
    }

    /** Adds {@code vip} to {@code interfaceName}. @return true if added, false if it was there already */
    public boolean add(String interfaceName, Vip vip) throws IOException {
        return add(interfaceName, vip, null);
    }

    /**
     * Adds {@code vip} with an IPv4 label ({@code eth0:vip}: it must start with the interface name, at most 15
     * characters; ignored for IPv6, which has no labels). @return true if added, false if it was there already
     */
    public boolean add(String interfaceName, Vip vip, String label) throws IOException {
        checkName(interfaceName);
        if (vip.isIpv6()) {
            label = null;
        } else if (label != null && (!label.startsWith(interfaceName) || label.length() > 15
                || !StandardCharsets.US_ASCII.newEncoder().canEncode(label))) {
            throw new IllegalArgumentException("label '" + label + "' must start with '" + interfaceName
                    + "' and have at most 15 characters");
        }
        String what = "rtnetlink addr add " + vip + " dev " + interfaceName + (label != null ? " label " + label : "")
                + (vip.isIpv6() ? " nodad" : "");
        synchronized (this) {
            ensureOpen(what);
            int seq = nextSequence();
            byte[] request = addressRequest(RTM_NEWADDR, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, seq,
                    vip, ifindex(interfaceName, what), label);
            Ack ack = exchange(request, seq, what);
            if (ack.errno == 0) {
                return true;
            }
            if (ack.errno == Libc.EEXIST) {
                return false;
            }
            throw ack.failure(what);
        }
    }

    /** Removes {@code vip} from {@code interfaceName}. @return true if removed, false if it was not there */
    public boolean remove(String interfaceName, Vip vip) throws IOException {
        checkName(interfaceName);
        String what = "rtnetlink addr del " + vip + " dev " + interfaceName;
        synchronized (this) {
            ensureOpen(what);
            int seq = nextSequence();
            byte[] request = addressRequest(RTM_DELADDR, NLM_F_REQUEST | NLM_F_ACK, seq, vip,
                    ifindex(interfaceName, what), null);
            Ack ack = exchange(request, seq, what);
            if (ack.errno == 0) {
                return true;
            }
            if (ack.errno == Libc.EADDRNOTAVAIL) {
                return false;
            }
            throw ack.failure(what);
        }
    }

    /**
     * At startup, before VRRP runs: removes from {@code interfaceName} those of {@code vips} that it holds (left
     * there by a previous run that crashed, or by hand). @return the addresses removed
     */
    public List<Vip> removeStale(String interfaceName, Collection<Vip> vips) throws IOException {
        List<Vip> present = addresses(interfaceName);
        List<Vip> removed = new ArrayList<>();
        for (Vip vip : vips) {
            if (present.stream().anyMatch(p -> p.address().equals(vip.address())) && remove(interfaceName, vip)) {
                removed.add(vip);
            }
        }
        return removed;
    }

    /** Whether {@code interfaceName} holds {@code address} (any prefix length). */
    public boolean holds(String interfaceName, InetAddress address) throws IOException {
        return addresses(interfaceName).stream().anyMatch(v -> v.address().equals(address));
    }

    /** The addresses on {@code interfaceName}, IPv4 then IPv6, as {@code ip addr show dev IFACE} lists them. */
    public List<Vip> addresses(String interfaceName) throws IOException {
        checkName(interfaceName);
        String what = "rtnetlink addr show dev " + interfaceName;
        synchronized (this) {
            ensureOpen(what);
            int ifindex = ifindex(interfaceName, what);
            for (int attempt = 1; ; attempt++) {
                int seq = nextSequence();
                List<Vip> out = new ArrayList<>();
                boolean interrupted = dump(addressDumpRequest(seq, ifindex), seq, ifindex, out, what);
                if (!interrupted) {
                    List<Vip> ordered = new ArrayList<>(out.stream().filter(v -> !v.isIpv6()).toList());
                    ordered.addAll(out.stream().filter(Vip::isIpv6).toList());
                    return ordered;
                }
                if (attempt == 3) { // addresses kept changing while the kernel dumped them
                    throw new NativeIoException(what + ": dump interrupted three times in a row", Libc.EINTR);
                }
            }
        }
    }

    /** Releases the sockets; later calls fail. Idempotent. */
    @Override
    public synchronized void close() {
        closed = true;
        Libc.closeQuietly(netlinkFd);
        Libc.closeQuietly(controlFd);
        netlinkFd = -1;
        controlFd = -1;
    }

    @Override
    public synchronized String toString() {
        return "VipManager[" + (closed ? "closed" : netlinkFd < 0 ? "not opened" : "rtnetlink fd " + netlinkFd) + "]";
    }

    // ---- messages ----

    /**
     * nlmsghdr + ifaddrmsg + IFA_LOCAL + IFA_ADDRESS (+ IFA_LABEL): what {@code ip addr add|del ADDR/LEN dev IF
     * [label L] [nodad]} sends. IPv6 adds are IFA_F_NODAD; scope is universe but for 127/8 (host, as ip does).
     */
    static byte[] addressRequest(int type, int flags, int seq, Vip vip, int ifindex, String label) {
        byte[] address = vip.address().getAddress();
        byte[] labelBytes = label == null ? null : (label + "\0").getBytes(StandardCharsets.US_ASCII);
        int length = NLMSG_HDRLEN + IFADDRMSG_LEN + 2 * attributeSize(address.length)
                + (labelBytes == null ? 0 : attributeSize(labelBytes.length));
        ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.nativeOrder());
        b.putInt(length).putShort((short) type).putShort((short) flags).putInt(seq).putInt(0);
        boolean add = type == RTM_NEWADDR;
        int scope = add && !vip.isIpv6() && (address[0] & 0xFF) == 127 ? RT_SCOPE_HOST : RT_SCOPE_UNIVERSE;
        b.put((byte) (vip.isIpv6() ? Libc.AF_INET6 : Libc.AF_INET)).put((byte) vip.prefixLength())
                .put((byte) (add && vip.isIpv6() ? IFA_F_NODAD : 0)).put((byte) scope).putInt(ifindex);
        putAttribute(b, IFA_LOCAL, address);
        putAttribute(b, IFA_ADDRESS, address);
        if (labelBytes != null) {
            putAttribute(b, IFA_LABEL, labelBytes);
        }
        return b.array();
    }

    /** RTM_GETADDR, NLM_F_DUMP, every family (the interface is filtered here: old kernels ignore ifa_index). */
    static byte[] addressDumpRequest(int seq, int ifindex) {
        int length = NLMSG_HDRLEN + IFADDRMSG_LEN;
        return ByteBuffer.allocate(length).order(ByteOrder.nativeOrder())
                .putInt(length).putShort((short) RTM_GETADDR).putShort((short) (NLM_F_REQUEST | NLM_F_DUMP))
                .putInt(seq).putInt(0).put((byte) 0).put((byte) 0).put((byte) 0).put((byte) 0).putInt(ifindex)
                .array();
    }

    private static int attributeSize(int dataLength) {
        return align(4 + dataLength);
    }

    private static int align(int n) {
        return (n + 3) & ~3;
    }

    private static void putAttribute(ByteBuffer b, int type, byte[] data) {
        int start = b.position();
        b.putShort((short) (4 + data.length)).putShort((short) type).put(data);
        b.position(start + attributeSize(data.length));
    }

    /**
     * The address an RTM_NEWADDR message at {@code offset} (its nlmsghdr) describes, if it is on {@code ifindex}:
     * IFA_LOCAL, else IFA_ADDRESS (IPv6 sends IFA_LOCAL only with a peer), with the prefix length. Null otherwise.
     */
    static Vip parseAddress(ByteBuffer b, int offset, int ifindex) {
        int length = b.getInt(offset);
        if ((b.getShort(offset + 4) & 0xFFFF) != RTM_NEWADDR || length < NLMSG_HDRLEN + IFADDRMSG_LEN) {
            return null;
        }
        int family = b.get(offset + NLMSG_HDRLEN) & 0xFF;
        int prefixLength = b.get(offset + NLMSG_HDRLEN + 1) & 0xFF;
        if (b.getInt(offset + NLMSG_HDRLEN + 4) != ifindex || (family != Libc.AF_INET && family != Libc.AF_INET6)) {
            return null;
        }
        int size = family == Libc.AF_INET ? 4 : 16;
        byte[] local = null;
        byte[] address = null;
        int end = offset + length;
        int at = offset + NLMSG_HDRLEN + IFADDRMSG_LEN;
        while (at + 4 <= end) {
            int attributeLength = b.getShort(at) & 0xFFFF;
            int type = b.getShort(at + 2) & 0x3FFF; // without NLA_F_NESTED / NLA_F_NET_BYTEORDER
            if (attributeLength < 4 || at + attributeLength > end) {
                break;
            }
            if ((type == IFA_LOCAL || type == IFA_ADDRESS) && attributeLength == 4 + size) {
                byte[] data = new byte[size];
                b.get(at + 4, data);
                if (type == IFA_LOCAL) {
                    local = data;
                } else {
                    address = data;
                }
            }
            at += align(attributeLength);
        }
        byte[] chosen = local != null ? local : address;
        if (chosen == null) {
            return null;
        }
        try {
            return new Vip(InetAddress.getByAddress(chosen), prefixLength);
        } catch (UnknownHostException | IllegalArgumentException e) {
            return null;
        }
    }

    /** The kernel's answer to a request: 0 or an errno, and its extended-ack message if it sent one. */
    record Ack(int errno, String message) {
        NativeIoException failure(String what) {
            String said = message == null || message.isBlank() ? "" : ": " + message.strip().replaceAll("\\s+", " ");
            String hint = errno == Libc.EPERM || errno == Libc.EACCES ? ": needs CAP_NET_ADMIN (run as root)" : "";
            return new NativeIoException(what + ": " + Libc.describe(errno) + said + hint, errno);
        }
    }

    /** The NLMSG_ERROR message at {@code offset}: error code, then the request's header, then (maybe) TLVs. */
    static Ack parseAck(ByteBuffer b, int offset) {
        int length = b.getInt(offset);
        int flags = b.getShort(offset + 6) & 0xFFFF;
        if (length < NLMSG_HDRLEN + 4) {
            return new Ack(Libc.EINVAL, "short acknowledgement");
        }
        int errno = -b.getInt(offset + NLMSG_HDRLEN);
        String message = null;
        if ((flags & NLM_F_ACK_TLVS) != 0 && length >= NLMSG_HDRLEN + 4 + NLMSG_HDRLEN) {
            int request = (flags & NLM_F_CAPPED) != 0 ? NLMSG_HDRLEN : align(b.getInt(offset + NLMSG_HDRLEN + 4));
            int end = offset + length;
            int at = offset + NLMSG_HDRLEN + 4 + request;
            while (at + 4 <= end) {
                int attributeLength = b.getShort(at) & 0xFFFF;
                int type = b.getShort(at + 2) & 0x3FFF;
                if (attributeLength < 4 || at + attributeLength > end) {
                    break;
                }
                if (type == NLMSGERR_ATTR_MSG) {
                    byte[] text = new byte[attributeLength - 4];
                    b.get(at + 4, text);
                    int nul = 0;
                    while (nul < text.length && text[nul] != 0) {
                        nul++;
                    }
                    message = new String(text, 0, nul, StandardCharsets.UTF_8);
                }
                at += align(attributeLength);
            }
        }
        return new Ack(errno, message);
    }

    // ---- the sockets ----

    private void ensureOpen(String what) throws IOException {
        if (closed) {
            throw new NativeIoException(what + ": the VipManager is closed", 0);
        }
        if (netlinkFd >= 0) {
            return;
        }
        int fd = C.socket(Libc.AF_NETLINK, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, Libc.NETLINK_ROUTE);
        if (fd < 0) {
            throw Libc.failure(what + ": open rtnetlink socket", Libc.errno());
        }
        int control = -1;
        try {
            // Best effort: a short acknowledgement (no copy of the request) and the kernel's reason for a refusal.
            C.setsockopt(fd, Libc.SOL_NETLINK, Libc.NETLINK_CAP_ACK, Libc.ints(1), 4);
            C.setsockopt(fd, Libc.SOL_NETLINK, Libc.NETLINK_EXT_ACK, Libc.ints(1), 4);
            byte[] timeval = ByteBuffer.allocate(16).order(ByteOrder.nativeOrder())
                    .putLong(TIMEOUT.toSeconds()).putLong(0).array();
            Libc.set(fd, Libc.SOL_SOCKET, Libc.SO_RCVTIMEO, timeval, what + ": SO_RCVTIMEO on rtnetlink socket");
            control = Libc.controlSocket();
        } catch (IOException | RuntimeException e) {
            Libc.closeQuietly(fd);
            throw e;
        }
        if (receiveBuffer == null) {
            receiveBuffer = Memory.allocateDirect(Libc.RUNTIME, RECEIVE_BUFFER);
        }
        netlinkFd = fd;
        controlFd = control;
    }

    private int nextSequence() {
        sequence = (sequence + 1) & 0x7FFF_FFFF;
        return sequence;
    }

    /** The index of {@code interfaceName} in the sockets' namespace (SIOCGIFINDEX: one system call). */
    private int ifindex(String interfaceName, String what) throws IOException {
        byte[] req = Libc.ifreq(interfaceName);
        if (C.ioctl(controlFd, Libc.SIOCGIFINDEX, req) != 0) {
            int errno = Libc.errno();
            if (errno == Libc.ENODEV) {
                throw new NativeIoException(what + ": Cannot find device \"" + interfaceName + "\"", errno);
            }
            throw Libc.failure(what + ": index of " + interfaceName, errno);
        }
        return ByteBuffer.wrap(req, Libc.IFNAMSIZ, 4).order(ByteOrder.nativeOrder()).getInt();
    }

    private void send(byte[] request, String what) throws IOException {
        long n;
        do {
            n = C.sendto(netlinkFd, request, request.length, 0, KERNEL, KERNEL.length);
        } while (n < 0 && Libc.errno() == Libc.EINTR);
        if (n < 0) {
            throw Libc.failure(what + ": send to the kernel", Libc.errno());
        }
    }

    /** One datagram from the kernel (others' are dropped), as a buffer in native order. */
    private ByteBuffer receive(String what) throws IOException {
        while (true) {
            senderLength[0] = senderAddress.length;
            long n = C.recvfrom(netlinkFd, receiveBuffer, RECEIVE_BUFFER, Libc.MSG_TRUNC, senderAddress, senderLength);
            if (n < 0) {
                int errno = Libc.errno();
                if (errno == Libc.EINTR) {
                    continue;
                }
                if (errno == Libc.EAGAIN) {
                    throw new NativeIoException(what + ": no answer from the kernel within " + TIMEOUT.toMillis()
                            + " ms", errno);
                }
                throw Libc.failure(what + ": receive from the kernel", errno);
            }
            if (n > RECEIVE_BUFFER) {
                throw new NativeIoException(what + ": the kernel's answer (" + n + " bytes) does not fit "
                        + RECEIVE_BUFFER + " bytes", Libc.EMSGSIZE);
            }
            if (ByteBuffer.wrap(senderAddress).order(ByteOrder.nativeOrder()).getInt(4) != 0) {
                continue; // not from the kernel (port id 0)
            }
            byte[] data = new byte[(int) n];
            receiveBuffer.get(0, data, 0, data.length);
            return ByteBuffer.wrap(data).order(ByteOrder.nativeOrder());
        }
    }

    /** Sends {@code request} and waits for its acknowledgement (messages of other sequence numbers are stale). */
    private Ack exchange(byte[] request, int seq, String what) throws IOException {
        send(request, what);
        while (true) {
            ByteBuffer b = receive(what);
            for (int at = 0; at + NLMSG_HDRLEN <= b.limit(); ) {
                int length = b.getInt(at);
                if (length < NLMSG_HDRLEN || at + length > b.limit()) {
                    break;
                }
                if (b.getInt(at + 8) == seq && (b.getShort(at + 4) & 0xFFFF) == NLMSG_ERROR) {
                    return parseAck(b, at);
                }
                at += align(length);
            }
        }
    }

    /** Runs a dump to its NLMSG_DONE, adding what is on {@code ifindex}. @return whether the dump was interrupted */
    private boolean dump(byte[] request, int seq, int ifindex, List<Vip> out, String what) throws IOException {
        send(request, what);
        boolean interrupted = false;
        while (true) {
            ByteBuffer b = receive(what);
            for (int at = 0; at + NLMSG_HDRLEN <= b.limit(); ) {
                int length = b.getInt(at);
                if (length < NLMSG_HDRLEN || at + length > b.limit()) {
                    break;
                }
                if (b.getInt(at + 8) == seq) {
                    int type = b.getShort(at + 4) & 0xFFFF;
                    interrupted |= (b.getShort(at + 6) & NLM_F_DUMP_INTR) != 0;
                    if (type == NLMSG_DONE) {
                        return interrupted;
                    }
                    if (type == NLMSG_ERROR) {
                        Ack ack = parseAck(b, at);
                        throw ack.failure(what);
                    }
                    Vip vip = parseAddress(b, at, ifindex);
                    if (vip != null) {
                        out.add(vip);
                    }
                }
                at += align(length);
            }
        }
    }

    private static String checkName(String interfaceName) {
        Libc.ifname(interfaceName); // same rule as the sockets: non-empty, < 16 characters, no '/' or space
        return interfaceName;
    }
}
