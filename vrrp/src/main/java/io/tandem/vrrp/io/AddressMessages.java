package io.tandem.vrrp.io;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The rtnetlink address messages, built and parsed without a socket: the requests {@code ip addr add|del|show}
 * sends, the RTM_NEWADDR messages of a dump and the kernel's acknowledgements (with their extended-ack reason).
 */
final class AddressMessages {
    // From <linux/netlink.h>, <linux/rtnetlink.h>, <linux/if_addr.h>.
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

    private AddressMessages() {
    }

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

    /** Netlink's 4-byte alignment of messages and attributes. */
    static int align(int n) {
        return (n + 3) & ~3;
    }

    private static int attributeSize(int dataLength) {
        return align(4 + dataLength);
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
}
