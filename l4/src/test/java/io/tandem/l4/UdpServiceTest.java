package io.tandem.l4;

import io.tandem.core.net.EventLoops;
import io.tandem.core.testing.Await;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** UDP services: request/response, flows pinned to a server, idle expiry, a full flow table. */
class UdpServiceTest {
    private static EventLoops loops;

    @BeforeAll
    static void startLoops() {
        loops = EventLoops.start(2);
    }

    @AfterAll
    static void stopLoops() {
        loops.close();
    }

    /** A UDP server answering every datagram with {@code NAME:payload}. */
    static final class NamedUdpServer implements AutoCloseable {
        final DatagramSocket socket;

        NamedUdpServer(String name) throws Exception {
            socket = new DatagramSocket(0, InetAddress.getLoopbackAddress());
            Thread t = new Thread(() -> {
                byte[] buf = new byte[2048];
                while (!socket.isClosed()) {
                    try {
                        DatagramPacket p = new DatagramPacket(buf, buf.length);
                        socket.receive(p);
                        byte[] reply = (name + ":" + new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8))
                                .getBytes(StandardCharsets.UTF_8);
                        socket.send(new DatagramPacket(reply, reply.length, p.getSocketAddress()));
                    } catch (java.io.IOException closed) {
                        return;
                    }
                }
            }, "udp-" + name);
            t.setDaemon(true);
            t.start();
        }

        int port() {
            return socket.getLocalPort();
        }

        @Override
        public void close() {
            socket.close();
        }
    }

    /** Sends {@code text} from {@code client} and returns the reply, or null when none comes within 5 s. */
    static String ask(DatagramSocket client, InetSocketAddress service, String text) throws Exception {
        return ask(client, service, text, Duration.ofSeconds(5));
    }

    /** Sends {@code text} from {@code client} and returns the reply, or null when none comes within {@code wait}. */
    static String ask(DatagramSocket client, InetSocketAddress service, String text, Duration wait) throws Exception {
        byte[] out = text.getBytes(StandardCharsets.UTF_8);
        client.send(new DatagramPacket(out, out.length, service));
        byte[] in = new byte[2048];
        DatagramPacket reply = new DatagramPacket(in, in.length);
        client.setSoTimeout((int) wait.toMillis());
        try {
            client.receive(reply);
        } catch (SocketTimeoutException none) {
            return null;
        }
        assertEquals(service, reply.getSocketAddress(), "reply must come from the service address");
        return new String(reply.getData(), 0, reply.getLength(), StandardCharsets.UTF_8);
    }

    @Test
    void datagramsOfOneClientStayOnOneServerAndRepliesComeFromTheService() throws Exception {
        try (NamedUdpServer a = new NamedUdpServer("a"); NamedUdpServer b = new NamedUdpServer("b");
             TestServices.Running service = TestServices.udp().server("a", a.port()).server("b", b.port())
                     .start(loops);
             DatagramSocket one = new DatagramSocket(0, InetAddress.getLoopbackAddress());
             DatagramSocket two = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            String first = ask(one, service.address(), "q0");
            String server = first.substring(0, first.indexOf(':'));
            assertEquals(server + ":q0", first);
            for (int i = 1; i < 10; i++) {
                assertEquals(server + ":q" + i, ask(one, service.address(), "q" + i));
            }
            // Round robin: the next flow goes to the other server, and stays there too.
            String other = ask(two, service.address(), "x").substring(0, 1);
            assertNotEquals(server, other);
            assertEquals(other + ":y", ask(two, service.address(), "y"));
            L4Counters counters = service.runtime().counters();
            assertEquals(2, counters.totalConnections());
            assertEquals(2, counters.activeConnections());
            assertEquals("q0q1q2q3q4q5q6q7q8q9xy".length(), counters.bytesIn());
        }
    }

    @Test
    void idleFlowExpiresAndTheNextDatagramStartsANewFlow() throws Exception {
        try (NamedUdpServer a = new NamedUdpServer("a"); NamedUdpServer b = new NamedUdpServer("b");
             TestServices.Running service = TestServices.udp().server("a", a.port()).server("b", b.port())
                     .timeouts(TestServices.timeouts(null, Duration.ofMillis(300), null, null)).start(loops);
             DatagramSocket client = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            String first = ask(client, service.address(), "1").substring(0, 1);
            L4Counters counters = service.runtime().counters();
            Await.until("the flow expired", () -> counters.expiredFlows() == 1);
            assertEquals(0, counters.activeConnections());
            String second = ask(client, service.address(), "2").substring(0, 1);
            // A new flow, balanced afresh: round robin moves it to the other server.
            assertNotEquals(first, second);
            assertEquals(2, counters.totalConnections());
        }
    }

    @Test
    void fullFlowTableDropsNewFlowsAndCountsThem() throws Exception {
        try (NamedUdpServer a = new NamedUdpServer("a");
             TestServices.Running service = TestServices.udp().server("a", a.port()).maxconn(2).start(loops);
             DatagramSocket c1 = new DatagramSocket(0, InetAddress.getLoopbackAddress());
             DatagramSocket c2 = new DatagramSocket(0, InetAddress.getLoopbackAddress());
             DatagramSocket c3 = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            assertEquals("a:1", ask(c1, service.address(), "1"));
            assertEquals("a:2", ask(c2, service.address(), "2"));
            // The same service answered c1 and c2 at once; the counter shows that c3's datagrams arrived and were dropped.
            assertNull(ask(c3, service.address(), "3", Duration.ofMillis(300)));
            assertNull(ask(c3, service.address(), "4", Duration.ofMillis(300)));
            L4Counters counters = service.runtime().counters();
            Await.until("two datagrams dropped", () -> counters.droppedDatagrams() == 2);
            // Flows already in the table go on.
            assertEquals("a:5", ask(c1, service.address(), "5"));
        }
    }
}
