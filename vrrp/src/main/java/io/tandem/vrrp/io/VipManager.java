package io.tandem.vrrp.io;

import static io.tandem.vrrp.io.AddressMessages.NLM_F_ACK;
import static io.tandem.vrrp.io.AddressMessages.NLM_F_CREATE;
import static io.tandem.vrrp.io.AddressMessages.NLM_F_EXCL;
import static io.tandem.vrrp.io.AddressMessages.NLM_F_REQUEST;
import static io.tandem.vrrp.io.AddressMessages.RTM_DELADDR;
import static io.tandem.vrrp.io.AddressMessages.RTM_NEWADDR;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

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
    // Guarded by this.
    private NetlinkSocket socket;
    private boolean closed;

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
            manager.socket("open rtnetlink socket");
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
        return change(RTM_NEWADDR, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, interfaceName, vip, label,
                Libc.EEXIST, what);
    }

    /** Removes {@code vip} from {@code interfaceName}. @return true if removed, false if it was not there */
    public boolean remove(String interfaceName, Vip vip) throws IOException {
        checkName(interfaceName);
        return change(RTM_DELADDR, NLM_F_REQUEST | NLM_F_ACK, interfaceName, vip, null, Libc.EADDRNOTAVAIL,
                "rtnetlink addr del " + vip + " dev " + interfaceName);
    }

    /** One add or remove: true when the kernel made it, false when it answered {@code unchangedErrno}. */
    private synchronized boolean change(int type, int flags, String interfaceName, Vip vip, String label,
                                        int unchangedErrno, String what) throws IOException {
        NetlinkSocket s = socket(what);
        int seq = s.nextSequence();
        byte[] request = AddressMessages.addressRequest(type, flags, seq, vip, s.ifindex(interfaceName, what), label);
        AddressMessages.Ack ack = s.exchange(request, seq, what);
        if (ack.errno() == 0) {
            return true;
        }
        if (ack.errno() == unchangedErrno) {
            return false;
        }
        throw ack.failure(what);
    }

    /**
     * Removes from {@code interfaceName} every address it holds that is one of {@code vips}, whatever its prefix
     * length there (left by a run that crashed, or added by hand). @return the addresses removed, as they were
     */
    public List<Vip> removeStale(String interfaceName, Collection<Vip> vips) throws IOException {
        List<Vip> removed = new ArrayList<>();
        for (Vip present : addresses(interfaceName)) {
            if (vips.stream().anyMatch(v -> v.address().equals(present.address()))
                    && remove(interfaceName, present)) {
                removed.add(present);
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
            NetlinkSocket s = socket(what);
            int ifindex = s.ifindex(interfaceName, what);
            for (int attempt = 1; ; attempt++) {
                int seq = s.nextSequence();
                List<Vip> out = new ArrayList<>();
                boolean interrupted = s.dump(AddressMessages.addressDumpRequest(seq, ifindex), seq, (b, at) -> {
                    Vip vip = AddressMessages.parseAddress(b, at, ifindex);
                    if (vip != null) {
                        out.add(vip);
                    }
                }, what);
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
        if (socket != null) {
            socket.close();
            socket = null;
        }
    }

    @Override
    public synchronized String toString() {
        return "VipManager[" + (closed ? "closed" : socket == null ? "not opened" : socket) + "]";
    }

    /** The socket, opened by the first call; {@code what} names the change for errors. Holds this. */
    private NetlinkSocket socket(String what) throws IOException {
        if (closed) {
            throw new NativeIoException(what + ": the VipManager is closed", 0);
        }
        if (socket == null) {
            socket = NetlinkSocket.open(what);
        }
        return socket;
    }

    private static void checkName(String interfaceName) {
        Libc.ifname(interfaceName); // same rule as the sockets: non-empty, < 16 characters, no '/' or space
    }
}
