package io.tandem.l4;

import io.tandem.core.testing.Prerequisites;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.tandem.core.net.EventLoops;
import io.tandem.core.testing.Await;
import io.tandem.core.testing.LogLines;
import io.tandem.core.testing.TestPorts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** PROXY protocol: v1 and v2 headers sent to servers (HAProxy and Netty's decoder read them), accept-proxy listens. */
class ProxyProtocolTest {
    private static final Path HAPROXY = Path.of("/usr/sbin/haproxy");
    private static EventLoops loops;

    @BeforeAll
    static void startLoops() {
        loops = EventLoops.start(2);
    }

    @AfterAll
    static void stopLoops() {
        loops.close();
    }

    /** A server that decodes the PROXY header with Netty's decoder and returns it with the bytes after it. */
    private static RawServer decodingServer() {
        return RawServer.start(socket -> {
            try (socket) {
                byte[] all = socket.getInputStream().readAllBytes();
                EmbeddedChannel decoder = new EmbeddedChannel(new HAProxyMessageDecoder());
                decoder.writeInbound(Unpooled.wrappedBuffer(all));
                HAProxyMessage header = decoder.readInbound();
                StringBuilder rest = new StringBuilder();
                Object more;
                while ((more = decoder.readInbound()) != null) {
                    io.netty.buffer.ByteBuf buf = (io.netty.buffer.ByteBuf) more;
                    rest.append(buf.toString(StandardCharsets.US_ASCII));
                    buf.release();
                }
                decoder.finishAndReleaseAll();
                Object[] result = {header.protocolVersion(), header.proxiedProtocol(), header.sourceAddress(),
                        header.sourcePort(), header.destinationAddress(), header.destinationPort(), rest.toString()};
                header.release();
                return result;
            }
        });
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void sendProxyHeaderCarriesTheRealClientAndTheServiceAddress(int version) throws Exception {
        try (RawServer server = decodingServer();
             TestServices.Running service = TestServices.tcp().sendProxy(version).server("s", server.port())
                     .start(loops);
             Socket client = new Socket()) {
            client.connect(service.address());
            client.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
            client.shutdownOutput();
            Object[] seen = (Object[]) server.nextResult(5);
            assertEquals(version == 1 ? HAProxyProtocolVersion.V1 : HAProxyProtocolVersion.V2, seen[0]);
            assertEquals(HAProxyProxiedProtocol.TCP4, seen[1]);
            assertEquals("127.0.0.1", seen[2]);
            assertEquals(client.getLocalPort(), seen[3]);
            assertEquals("127.0.0.1", seen[4]);
            assertEquals(service.address().getPort(), seen[5]);
            assertEquals("hello", seen[6]);
        }
    }

    @Test
    void proxyV1HeaderWritesAnIpv6ClientCompressed() throws Exception {
        try (RawServer server = RawServer.start(socket -> {
                 try (socket) {
                     return new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
                 }
             });
             TestServices.Running service = TestServices.tcp().listenHost("::1").sendProxy(1).server("s", server.port())
                     .start(loops);
             Socket client = new Socket()) {
            client.connect(service.address());
            client.shutdownOutput();
            assertEquals("PROXY TCP6 ::1 ::1 " + client.getLocalPort() + " " + service.address().getPort() + "\r\n",
                    server.nextResult(5));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void haproxyAcceptProxySeesTheRealClient(int version) throws Exception {
        Prerequisites.requireExecutable(HAPROXY, "haproxy");
        int port = TestPorts.closedPort();
        Path dir = Files.createTempDirectory("l4-haproxy");
        Path cfg = dir.resolve("haproxy.cfg");
        Files.writeString(cfg, String.join("\n",
                "global",
                "  maxconn 100",
                "defaults",
                "  mode http",
                "  timeout connect 2s",
                "  timeout client 5s",
                "  timeout server 5s",
                "frontend fe",
                "  bind 127.0.0.1:" + port + " accept-proxy",
                "  http-request return status 200 content-type text/plain lf-string \"%[src]:%[src_port] %[dst]:%[dst_port]\"",
                ""));
        Process haproxy = new ProcessBuilder(HAPROXY.toString(), "-f", cfg.toString(), "-db")
                .redirectErrorStream(true).redirectOutput(dir.resolve("haproxy.log").toFile()).start();
        try (TestServices.Running service = TestServices.tcp().sendProxy(version).server("haproxy", port)
                .start(loops)) {
            waitForPort(port, haproxy, dir);
            try (Socket client = new Socket()) {
                client.setSoTimeout(5000);
                client.connect(service.address());
                client.getOutputStream().write("GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                String response = new String(client.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
                String body = response.substring(response.indexOf("\r\n\r\n") + 4);
                assertTrue(response.startsWith("HTTP/1.1 200"), response);
                assertEquals("127.0.0.1:" + client.getLocalPort() + " 127.0.0.1:" + service.address().getPort(), body);
            }
        } finally {
            haproxy.destroy();
            haproxy.waitFor(5, TimeUnit.SECONDS);
        }
    }

    /** In one segment, and cut in three pieces that arrive 50 ms apart (the header is read as it comes). */
    @ParameterizedTest(name = "split {0}")
    @ValueSource(booleans = {false, true})
    void acceptProxyTakesTheAnnouncedClientAndPassesItOn(boolean split) throws Exception {
        try (RawServer server = decodingServer();
             TestServices.Running service = TestServices.tcp().acceptProxy().sendProxy(2).server("s", server.port())
                     .start(loops);
             Socket client = new Socket()) {
            client.setTcpNoDelay(true);
            client.connect(service.address());
            String sent = "PROXY TCP4 203.0.113.7 198.18.0.1 40000 443\r\nafter the header";
            if (split) {
                for (String piece : new String[] {sent.substring(0, 17), sent.substring(17, 50), sent.substring(50)}) {
                    client.getOutputStream().write(piece.getBytes(StandardCharsets.US_ASCII));
                    client.getOutputStream().flush();
                    Thread.sleep(50);
                }
            } else {
                client.getOutputStream().write(sent.getBytes(StandardCharsets.US_ASCII));
            }
            client.shutdownOutput();
            Object[] seen = (Object[]) server.nextResult(5);
            assertEquals("203.0.113.7", seen[2]);
            assertEquals(40000, seen[3]);
            assertEquals("198.18.0.1", seen[4]);
            assertEquals(443, seen[5]);
            assertEquals("after the header", seen[6]);
        }
    }

    @Test
    void acceptProxyClosesAConnectionWithoutAValidHeader() throws Exception {
        try (RawServer server = RawServer.named("s");
             TestServices.Running service = TestServices.tcp().acceptProxy().server("s", server.port()).start(loops);
             Socket client = new Socket()) {
            client.setSoTimeout(5000);
            client.connect(service.address());
            client.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = client.getInputStream();
            assertEquals(-1, in.read());
            assertNull(server.nextResult(0), "the server got a connection");
            assertEquals(0, service.runtime().counters(service.runtime().servers().get(0)).totalConnections());
        }
    }

    @Test
    void badProxyHeadersAreLoggedAsOneLineNotOnePerConnection() throws Exception {
        try (LogLines logs = LogLines.capture();
             RawServer server = RawServer.named("s");
             TestServices.Running service = TestServices.tcp().acceptProxy().server("s", server.port()).start(loops)) {
            for (int i = 0; i < 20; i++) {
                try (Socket client = new Socket()) {
                    client.setSoTimeout(5000);
                    client.connect(service.address());
                    client.getOutputStream().write("GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    assertEquals(-1, client.getInputStream().read());
                }
            }
            String refused = "missing or malformed PROXY header on an accept-proxy listen";
            Await.until("every connection ended", () -> service.runtime().counters().activeConnections() == 0);
            assertEquals(1, logs.containing(refused).size(), () -> logs.all().toString());
        }
    }

    private static void waitForPort(int port, Process process, Path dir) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                fail("haproxy exited: " + Files.readString(dir.resolve("haproxy.log")));
            }
            try (Socket probe = new Socket()) {
                probe.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (java.io.IOException notYet) {
                Thread.sleep(50);
            }
        }
        fail("haproxy did not listen on " + port + ": " + Arrays.toString(Files.readAllLines(dir.resolve("haproxy.log")).toArray()));
    }
}
