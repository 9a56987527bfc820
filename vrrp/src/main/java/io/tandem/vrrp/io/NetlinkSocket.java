package io.tandem.vrrp.io;

import static io.tandem.vrrp.io.AddressMessages.NLMSG_DONE;
import static io.tandem.vrrp.io.AddressMessages.NLMSG_ERROR;
import static io.tandem.vrrp.io.AddressMessages.NLMSG_HDRLEN;
import static io.tandem.vrrp.io.AddressMessages.NLM_F_DUMP_INTR;
import static io.tandem.vrrp.io.Libc.C;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;

import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * One rtnetlink socket (with a control socket for interface indexes), in the network namespace of the thread that
 * opened it: a request and its acknowledgement, or a dump to its end, each waiting up to 5 s for the kernel. Not
 * thread-safe: its owner serializes calls.
 */
final class NetlinkSocket implements AutoCloseable {
    /** Sees each message of a dump: the buffer, with the message's nlmsghdr at {@code offset}. */
    @FunctionalInterface
    interface Visitor {
        void message(ByteBuffer b, int offset);
    }

    private static final int RECEIVE_BUFFER = 64 * 1024; // a dump datagram is at most 32 KiB
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final byte[] KERNEL = new byte[12]; // struct sockaddr_nl { AF_NETLINK, pad, pid 0, groups 0 }

    static {
        ByteBuffer.wrap(KERNEL).order(ByteOrder.nativeOrder()).putShort((short) Libc.AF_NETLINK);
    }

    private final int fd;
    private final int controlFd;
    private final Pointer receiveBuffer = Memory.allocateDirect(Libc.RUNTIME, RECEIVE_BUFFER);
    private final byte[] senderAddress = new byte[12];
    private final int[] senderLength = new int[1];
    private int sequence = (int) (System.nanoTime() & 0x3FFF_FFFF);

    private NetlinkSocket(int fd, int controlFd) {
        this.fd = fd;
        this.controlFd = controlFd;
    }

    /** Opens the sockets; {@code what} names the change that needs them, for the error. */
    static NetlinkSocket open(String what) throws IOException {
        int fd = C.socket(Libc.AF_NETLINK, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, Libc.NETLINK_ROUTE);
        if (fd < 0) {
            throw Libc.failure(what + ": open rtnetlink socket", Libc.errno());
        }
        try {
            // Best effort: a short acknowledgement (no copy of the request) and the kernel's reason for a refusal.
            C.setsockopt(fd, Libc.SOL_NETLINK, Libc.NETLINK_CAP_ACK, Libc.ints(1), 4);
            C.setsockopt(fd, Libc.SOL_NETLINK, Libc.NETLINK_EXT_ACK, Libc.ints(1), 4);
            byte[] timeval = ByteBuffer.allocate(16).order(ByteOrder.nativeOrder())
                    .putLong(TIMEOUT.toSeconds()).putLong(0).array();
            Libc.set(fd, Libc.SOL_SOCKET, Libc.SO_RCVTIMEO, timeval, what + ": SO_RCVTIMEO on rtnetlink socket");
            return new NetlinkSocket(fd, Libc.controlSocket());
        } catch (IOException | RuntimeException e) {
            Libc.closeQuietly(fd);
            throw e;
        }
    }

    int nextSequence() {
        sequence = (sequence + 1) & 0x7FFF_FFFF;
        return sequence;
    }

    /** The index of {@code interfaceName} in the sockets' namespace (SIOCGIFINDEX: one system call). */
    int ifindex(String interfaceName, String what) throws IOException {
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

    /** Sends {@code request} and waits for its acknowledgement (messages of other sequence numbers are stale). */
    AddressMessages.Ack exchange(byte[] request, int seq, String what) throws IOException {
        send(request, what);
        while (true) {
            ByteBuffer b = receive(what);
            for (int at = next(b, 0, seq); at >= 0; at = next(b, after(b, at), seq)) {
                if ((b.getShort(at + 4) & 0xFFFF) == NLMSG_ERROR) {
                    return AddressMessages.parseAck(b, at);
                }
            }
        }
    }

    /**
     * Runs a dump to its NLMSG_DONE, showing {@code visitor} each message of it; an error ends it with an
     * exception. @return whether the dump was interrupted (what it listed changed meanwhile: run it again)
     */
    boolean dump(byte[] request, int seq, Visitor visitor, String what) throws IOException {
        send(request, what);
        boolean interrupted = false;
        while (true) {
            ByteBuffer b = receive(what);
            for (int at = next(b, 0, seq); at >= 0; at = next(b, after(b, at), seq)) {
                int type = b.getShort(at + 4) & 0xFFFF;
                interrupted |= (b.getShort(at + 6) & NLM_F_DUMP_INTR) != 0;
                if (type == NLMSG_DONE) {
                    return interrupted;
                }
                if (type == NLMSG_ERROR) {
                    throw AddressMessages.parseAck(b, at).failure(what);
                }
                visitor.message(b, at);
            }
        }
    }

    /** The offset of the first whole message of sequence {@code seq} at or after {@code from} in {@code b}, or -1. */
    private static int next(ByteBuffer b, int from, int seq) {
        for (int at = from; at + NLMSG_HDRLEN <= b.limit(); at = after(b, at)) {
            int length = b.getInt(at);
            if (length < NLMSG_HDRLEN || at + length > b.limit()) {
                return -1;
            }
            if (b.getInt(at + 8) == seq) {
                return at;
            }
        }
        return -1;
    }

    private static int after(ByteBuffer b, int at) {
        return at + AddressMessages.align(b.getInt(at));
    }

    private void send(byte[] request, String what) throws IOException {
        long n;
        do {
            n = C.sendto(fd, request, request.length, 0, KERNEL, KERNEL.length);
        } while (n < 0 && Libc.errno() == Libc.EINTR);
        if (n < 0) {
            throw Libc.failure(what + ": send to the kernel", Libc.errno());
        }
    }

    /** One datagram from the kernel (others' are dropped), as a buffer in native order. */
    private ByteBuffer receive(String what) throws IOException {
        while (true) {
            senderLength[0] = senderAddress.length;
            long n = C.recvfrom(fd, receiveBuffer, RECEIVE_BUFFER, Libc.MSG_TRUNC, senderAddress, senderLength);
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

    @Override
    public void close() {
        Libc.closeQuietly(fd);
        Libc.closeQuietly(controlFd);
    }

    @Override
    public String toString() {
        return "rtnetlink fd " + fd;
    }
}
