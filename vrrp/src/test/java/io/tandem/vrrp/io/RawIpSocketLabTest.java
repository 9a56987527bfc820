package io.tandem.vrrp.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.tandem.core.testing.Await;
import io.tandem.vrrp.io.RawIpSocket.Family;
import io.tandem.vrrp.io.RawIpSocket.Received;
import io.tandem.vrrp.lab.Lab;
import io.tandem.vrrp.lab.SendRaw;

/** Raw protocol-112 sockets between namespaces: real kernel, real packets. */
@Timeout(30)
class RawIpSocketLabTest {
    private static Lab lab;

    @BeforeAll
    static void createLab() {
        lab = Lab.create(2);
    }

    @AfterAll
    static void removeLab() {
        if (lab != null) {
            lab.close();
        }
    }

    /** A VRRPv3 advertisement made by hand: vrid 51, priority 150, eight IPv4 addresses: 40 bytes. */
    static byte[] handMadeAdvert() {
        ByteBuffer b = ByteBuffer.allocate(40).put((byte) 0x31).put((byte) 51).put((byte) 150).put((byte) 8)
                .putShort((short) 100).putShort((short) 0);
        for (int i = 0; i < 8; i++) {
            b.put(new byte[] {(byte) 198, 18, 0, (byte) (100 + i)});
        }
        return b.array();
    }

    private static RawIpSocket openIn(Lab.Node node, Family family, InetAddress group) throws Exception {
        return lab.inNamespace(node, () -> {
            RawIpSocket s = RawIpSocket.open(Lab.IFACE, RawIpSocket.PROTO_VRRP, family);
            if (group != null) {
                s.joinMulticast(group);
            }
            return s;
        });
    }

    private static Received receiveTo(RawIpSocket socket, InetAddress destination) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < deadline) {
            Received r = socket.receive(500);
            if (r != null && r.destination().equals(destination)) {
                return r;
            }
        }
        throw new AssertionError("nothing for " + destination.getHostAddress() + " on " + socket);
    }

    @Test
    void rawSocketExchangesVrrpPacketsBetweenTwoNamespaces() throws Exception {
        byte[] advert = handMadeAdvert();
        InetAddress a = InetAddress.getByName(lab.a().ip());
        InetAddress b = InetAddress.getByName(lab.b().ip());
        try (RawIpSocket rx = openIn(lab.b(), Family.V4, RawIpSocket.VRRP_GROUP_V4)) {
            assertEquals(b, rx.interfaceAddress(), "the primary address, the kernel's source for unbound sends");
            String out = lab.startJava(lab.a(), SendRaw.class, Lab.IFACE, HexFormat.of().formatHex(advert),
                    "224.0.0.18", lab.b().ip()).awaitSuccess(Duration.ofSeconds(25));
            assertTrue(out.contains("sent to 224.0.0.18") && out.contains("sent to " + lab.b().ip()), out);

            Received multicast = receiveTo(rx, RawIpSocket.VRRP_GROUP_V4);
            assertEquals(a, multicast.source());
            assertEquals(255, multicast.ttl(), "TTL of a VRRP multicast advert");
            assertArrayEquals(advert, multicast.payload());

            Received unicast = receiveTo(rx, b);
            assertEquals(a, unicast.source());
            assertEquals(255, unicast.ttl(), "TTL of a VRRP unicast advert");
            assertArrayEquals(advert, unicast.payload());
        }
    }

    @Test
    void ipv6RawSocketReportsHopLimitDestinationAndKernelChecksum() throws Exception {
        byte[] advert = Arrays.copyOf(handMadeAdvert(), 24); // v3 header + one IPv6 address
        InetAddress aLinkLocal = InetAddress.getByName(lab.linkLocal(lab.a()));
        InetAddress bLinkLocal = InetAddress.getByName(lab.linkLocal(lab.b()));
        try (RawIpSocket rx = openIn(lab.b(), Family.V6, RawIpSocket.VRRP_GROUP_V6);
                RawIpSocket tx = openIn(lab.a(), Family.V6, null)) {
            tx.send(advert, RawIpSocket.VRRP_GROUP_V6);
            tx.send(advert, bLinkLocal);
            for (InetAddress dst : new InetAddress[] {RawIpSocket.VRRP_GROUP_V6, bLinkLocal}) {
                Received r = receiveTo(rx, dst);
                assertArrayEquals(aLinkLocal.getAddress(), r.source().getAddress());
                assertEquals(255, r.ttl(), "hop limit from IPV6_HOPLIMIT ancillary data");
                assertEquals(advert.length, r.payload().length);
                byte[] withoutChecksum = r.payload().clone();
                withoutChecksum[6] = 0;
                withoutChecksum[7] = 0;
                assertArrayEquals(advert, withoutChecksum);
                assertEquals(0, ipv6Checksum(r.source(), dst, r.payload()), "the kernel's checksum verifies");
            }
        }
    }

    /** RFC 2460 §8.1 pseudo-header checksum over the payload as received: 0 when it verifies. */
    private static int ipv6Checksum(InetAddress src, InetAddress dst, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(40 + payload.length + 1);
        b.put(src.getAddress()).put(dst.getAddress()).putInt(payload.length).putInt(112).put(payload);
        byte[] all = b.array();
        long sum = 0;
        for (int i = 0; i + 1 < all.length; i += 2) {
            sum += (all[i] & 0xFF) << 8 | all[i + 1] & 0xFF;
        }
        while (sum >> 16 != 0) {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }
        return (int) (~sum & 0xFFFF);
    }

    @Test
    void packetReceiverDeliversOnItsOwnThreadAndStopsOnClose() throws Exception {
        BlockingQueue<String> got = new ArrayBlockingQueue<>(10);
        RawIpSocket rx = openIn(lab.b(), Family.V4, RawIpSocket.VRRP_GROUP_V4);
        try (RawIpSocket tx = openIn(lab.a(), Family.V4, null);
                PacketReceiver receiver = PacketReceiver.start(rx,
                        p -> got.add(Thread.currentThread().getName() + " " + p.source().getHostAddress()),
                        e -> got.add("error " + e.getMessage()))) {
            assertSame(rx, receiver.socket());
            tx.send(handMadeAdvert(), RawIpSocket.VRRP_GROUP_V4);
            assertEquals("vrrp-rx-eth0 " + lab.a().ip(), got.poll(5, TimeUnit.SECONDS));
        }
        assertThrows(NativeIoException.class, () -> rx.send(handMadeAdvert(), RawIpSocket.VRRP_GROUP_V4));
        assertNull(rx.receive(10), "a closed socket receives nothing");
    }

    @Test
    void closeWakesABlockedReceive() throws Exception {
        RawIpSocket rx = openIn(lab.b(), Family.V4, null);
        CompletableFuture<Received> received = new CompletableFuture<>();
        Thread receiver = new Thread(() -> {
            try {
                received.complete(rx.receive(60_000));
            } catch (IOException | RuntimeException e) {
                received.completeExceptionally(e);
            }
        }, "blocked-receive");
        receiver.start();
        // Closed only once the receive waits in poll(2), so the close is what ends it, not a check before it.
        Await.until("the receive waits in poll", () -> Arrays.stream(receiver.getStackTrace())
                .anyMatch(frame -> frame.getMethodName().equals("pollReadable")));
        rx.close();
        assertNull(received.get(5, TimeUnit.SECONDS), "receive returned when closed");
    }

    @Test
    void openingOnAMissingInterfaceSaysSo() throws Exception {
        NativeIoException e = lab.inNamespace(lab.a(), () -> assertThrows(NativeIoException.class,
                () -> RawIpSocket.open("nosuch0", RawIpSocket.PROTO_VRRP, Family.V4)));
        assertEquals(Libc.ENODEV, e.errno());
        assertTrue(e.getMessage().contains("nosuch0") && e.getMessage().contains("no such interface"), e.getMessage());
        assertNotNull(e.getMessage());
    }

}
