package io.tandem.vrrp.lab;

import java.net.InetAddress;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.Map;

import io.tandem.vrrp.io.RawIpSocket;

/**
 * A child-JVM program for lab tests: sends one payload on protocol 112 out of an interface to each destination.
 * {@code SendRaw IFACE HEX_PAYLOAD DST…}; prints "sent to DST" per packet; exit 1 with the error otherwise.
 */
public final class SendRaw {
    private SendRaw() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: SendRaw IFACE HEX_PAYLOAD DST...");
            System.exit(2);
        }
        byte[] payload = HexFormat.of().parseHex(args[1]);
        Map<RawIpSocket.Family, RawIpSocket> sockets = new EnumMap<>(RawIpSocket.Family.class);
        try {
            for (int i = 2; i < args.length; i++) {
                InetAddress dst = InetAddress.getByName(args[i]);
                RawIpSocket.Family family = RawIpSocket.Family.of(dst);
                RawIpSocket socket = sockets.get(family);
                if (socket == null) {
                    socket = RawIpSocket.open(args[0], RawIpSocket.PROTO_VRRP, family);
                    sockets.put(family, socket);
                }
                socket.send(payload, dst);
                System.out.println("sent to " + dst.getHostAddress());
            }
        } catch (Exception e) {
            System.err.println("SendRaw: " + e.getMessage());
            System.exit(1);
        } finally {
            sockets.values().forEach(RawIpSocket::close);
        }
    }
}
