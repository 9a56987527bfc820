package io.tandem.l4;

import io.tandem.core.net.EventLoops;
import io.tandem.core.testing.Await;
import io.tandem.core.testing.TestLineServer;
import io.tandem.core.testing.TestPorts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The TCP relay: integrity at volume, half-close both ways, retries, timeouts, counters. */
class TcpRelayTest {
    private static final long GIB = 1024L * 1024 * 1024;
    private static EventLoops loops;

    @BeforeAll
    static void startLoops() {
        loops = EventLoops.start(2);
    }

    @AfterAll
    static void stopLoops() {
        loops.close();
    }

    /** With buffers, and with {@code splice: true} (each direction switches to a pipe at its first full read). */
    @ParameterizedTest(name = "splice {0}")
    @ValueSource(booleans = {false, true})
    void oneGibibyteEachWayArrivesIntactThroughTheProxy(boolean splice) throws Exception {
        long toServer = (System.getenv("L4_RELAY_BYTES") == null ? GIB : Long.parseLong(System.getenv("L4_RELAY_BYTES")));
        long toClient = toServer;
        try (RawServer backend = RawServer.start(socket -> {
            try (socket) {
                CompletableFuture<Streams.Digest> received = CompletableFuture.supplyAsync(() -> {
                    try {
                        return Streams.receive(socket.getInputStream(), 1 << 20);
                    } catch (java.io.IOException e) {
                        throw Streams.unchecked(e);
                    }
                });
                Streams.Digest sent = Streams.send(socket.getOutputStream(), toClient, 2, 1 << 20);
                socket.shutdownOutput();
                return new Streams.Digest[] {received.get(60, TimeUnit.SECONDS), sent};
            }
        }); TestServices.Running service = TestServices.tcp().server("big", backend.port()).splice(splice)
                .start(loops);
             Socket client = new Socket()) {
            client.setReceiveBufferSize(4 << 20);
            client.setSendBufferSize(4 << 20);
            client.connect(service.address());
            long start = System.nanoTime();
            CompletableFuture<Streams.Digest> received = CompletableFuture.supplyAsync(() -> {
                try {
                    return Streams.receive(client.getInputStream(), 1 << 20);
                } catch (java.io.IOException e) {
                    throw Streams.unchecked(e);
                }
            });
            Streams.Digest sent = Streams.send(client.getOutputStream(), toServer, 1, 1 << 20);
            client.shutdownOutput();
            Streams.Digest back = received.get(60, TimeUnit.SECONDS);
            Object result = backend.nextResult(60);
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            if (result instanceof Throwable t) {
                throw new AssertionError("backend failed", t);
            }
            Streams.Digest[] atServer = (Streams.Digest[]) result;
            assertEquals(sent, atServer[0], "client → server");
            assertEquals(atServer[1], back, "server → client");
            System.out.printf("%d MiB each way through the L4 proxy (%s): %d ms, %.0f MiB/s per direction%n",
                    toServer >> 20, splice ? "splice" : "buffers", millis, (toServer >> 20) * 1000.0 / millis);
            L4Counters counters = service.runtime().counters();
            assertEquals(toServer, counters.bytesIn());
            assertEquals(toClient, counters.bytesOut());
            assertEquals(1, counters.totalConnections());
            // Whatever the relay held aside while a side was full was given back: later reads stay full-size.
            Await.until("no active connection", () -> counters.activeConnections() == 0);
            assertEquals(0, TcpSession.heldBytes());
        }
    }

    @Test
    void clientThatShutsDownOutputStillReceivesTheFullReply() throws Exception {
        byte[] reply = new byte[3 * 1024 * 1024];
        new java.util.Random(7).nextBytes(reply);
        try (RawServer backend = RawServer.start(socket -> {
            try (socket) {
                byte[] request = socket.getInputStream().readAllBytes();
                // Answers only after the client's end of input, as a server of a half-closing protocol does.
                socket.getOutputStream().write(reply);
                return request.length;
            }
        }); TestServices.Running service = TestServices.tcp().server("s", backend.port()).start(loops);
             Socket client = new Socket()) {
            client.connect(service.address());
            client.getOutputStream().write(new byte[100_000]);
            client.shutdownOutput();
            byte[] got = client.getInputStream().readAllBytes();
            assertArrayEquals(reply, got);
            assertEquals(100_000, backend.nextResult(5));
        }
    }

    @Test
    void serverThatAnswersThenResetsStillDeliversItsAnswerAndEndsTheConnection() throws Exception {
        try (RawServer backend = RawServer.start(socket -> {
            try (socket) {
                socket.getInputStream().read(new byte[6]);
                socket.getOutputStream().write("ok\n".getBytes(StandardCharsets.US_ASCII));
                socket.getOutputStream().flush();
                // A reset right behind the answer, with the client's second line still unread.
                socket.setSoLinger(true, 0);
                return 0;
            }
        }); TestServices.Running service = TestServices.tcp().server("s", backend.port()).start(loops);
             Socket client = new Socket()) {
            client.setSoTimeout(3000);
            client.connect(service.address());
            client.getOutputStream().write("hello\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = client.getInputStream();
            byte[] answer = in.readNBytes(3);
            assertEquals("ok\n", new String(answer, StandardCharsets.US_ASCII));
            client.getOutputStream().write("more\n".getBytes(StandardCharsets.US_ASCII));
            // The proxy passes the end on (a close or a reset) instead of holding the client until timeout tunnel.
            try {
                assertEquals(-1, in.read());
            } catch (java.net.SocketException reset) {
                // Also an end.
            }
            Await.until("no active connection", () -> service.runtime().counters().activeConnections() == 0);
        }
    }

    @Test
    void serverThatShutsDownFirstStillReceivesWhatTheClientSendsAfterwards() throws Exception {
        try (RawServer backend = RawServer.start(socket -> {
            try (socket) {
                socket.getOutputStream().write("bye\n".getBytes(StandardCharsets.US_ASCII));
                socket.shutdownOutput();
                return socket.getInputStream().readAllBytes().length;
            }
        }); TestServices.Running service = TestServices.tcp().server("s", backend.port()).start(loops);
             Socket client = new Socket()) {
            client.connect(service.address());
            InputStream in = client.getInputStream();
            assertEquals("bye\n", new String(in.readAllBytes(), StandardCharsets.US_ASCII));
            client.getOutputStream().write(new byte[200_000]);
            client.shutdownOutput();
            assertEquals(200_000, backend.nextResult(5));
            assertEquals(-1, in.read());
        }
    }

    @Test
    void refusedServerIsRetriedOnTheNextOne() throws Exception {
        try (RawServer good = RawServer.named("good");
             TestServices.Running service = TestServices.tcp().server("dead", TestPorts.closedPort())
                     .server("good", good.port()).start(loops)) {
            for (int i = 0; i < 4; i++) {
                assertEquals("good", nameVia(service.address(), 0));
            }
            ServiceRuntime runtime = service.runtime();
            assertTrue(runtime.counters().connectErrors() >= 1, runtime.counters().toString());
            assertEquals(runtime.counters().connectErrors(), runtime.counters(runtime.servers().get(0)).connectErrors());
            assertEquals(4, runtime.counters(runtime.servers().get(1)).totalConnections());
        }
    }

    @Test
    void retriesBoundTheConnectAttemptsAndGoBackToFailedServersOnceAllFailed() throws Exception {
        int deadA = TestPorts.closedPort();
        int deadB = TestPorts.closedPort();
        for (int retries : new int[] {0, 5}) {
            try (TestServices.Running service = TestServices.tcp().retries(retries).server("a", deadA)
                    .server("b", deadB).start(loops)) {
                try (Socket client = new Socket()) {
                    client.setSoTimeout(5000);
                    client.connect(service.address());
                    assertEquals(-1, client.getInputStream().read(), "closed once the attempts are used up");
                }
                ServiceRuntime runtime = service.runtime();
                // One attempt, then one per retry: with 5 retries over 2 servers, each failed one is tried again.
                Await.until("every attempt made", () -> runtime.counters().connectErrors() == retries + 1);
                assertEquals(retries == 0 ? 1 : 6, runtime.counters(runtime.servers().get(0)).connectErrors()
                        + runtime.counters(runtime.servers().get(1)).connectErrors());
                assertTrue(retries == 0 || runtime.counters(runtime.servers().get(0)).connectErrors() >= 2,
                        "a failed server is tried again once both failed: " + runtime.counters());
            }
        }
    }

    @Test
    void connectTimeoutMovesToTheNextServer() throws Exception {
        try (Blackhole hole = new Blackhole(); RawServer good = RawServer.named("good");
             TestServices.Running service = TestServices.tcp()
                     .server("hole", hole.port()).server("good", good.port())
                     .timeouts(TestServices.timeouts(Duration.ofMillis(300), null, null, null)).start(loops)) {
            long start = System.nanoTime();
            assertEquals("good", nameVia(service.address(), 0));
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(millis >= 250, "connect timeout not waited for: " + millis + " ms");
            assertEquals(1, service.runtime().counters().connectErrors());
        }
    }

    @Test
    void idleTunnelClosesAfterTimeoutTunnel() throws Exception {
        try (TestLineServer echo = TestLineServer.start(line -> "echo " + line);
             TestServices.Running service = TestServices.tcp().server("echo", echo.port())
                     .timeouts(TestServices.timeouts(null, null, Duration.ofMillis(400), null)).start(loops);
             Socket client = new Socket()) {
            client.connect(service.address());
            client.getOutputStream().write("one\n".getBytes(StandardCharsets.US_ASCII));
            BufferedReader in = new BufferedReader(new InputStreamReader(client.getInputStream(),
                    StandardCharsets.US_ASCII));
            assertEquals("echo one", in.readLine());
            // Traffic keeps it open past the limit.
            for (int i = 0; i < 4; i++) {
                Thread.sleep(200);
                client.getOutputStream().write(("t" + i + "\n").getBytes(StandardCharsets.US_ASCII));
                assertEquals("echo t" + i, in.readLine());
            }
            long start = System.nanoTime();
            client.setSoTimeout(5000);
            assertEquals(null, in.readLine());
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            // 400 ms expected; the upper bound only says "not kept open", generous for a loaded machine.
            assertTrue(millis >= 300 && millis < 5000, "closed after " + millis + " ms");
            Await.until("no active connection", () -> service.runtime().counters().activeConnections() == 0);
        }
    }

    @Test
    void ipv6WildcardListenTakesIpv4AndIpv6ClientsAndStarOnlyIpv4() throws Exception {
        // A kernel without IPv6 cannot listen on [::] at all: that start must fail, naming the address.
        boolean ipv6 = java.nio.file.Files.exists(java.nio.file.Path.of("/proc/net/if_inet6"));
        try (RawServer backend = RawServer.named("s")) {
            if (!ipv6) {
                IOException e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
                        () -> TestServices.tcp().listenHost("::").server("s", backend.port()).start(loops));
                assertTrue(e.getMessage().contains("cannot listen on tcp [::]:0"), e.getMessage());
                return;
            }
            try (TestServices.Running any6 = TestServices.tcp().name("any6").listenHost("::")
                    .server("s", backend.port()).start(loops);
                 TestServices.Running any4 = TestServices.tcp().name("any4").listenHost("*")
                         .server("s", backend.port()).start(loops)) {
                int port6 = any6.address().getPort();
                assertEquals("s", nameVia(new InetSocketAddress("127.0.0.1", port6), 0));
                assertEquals("s", nameVia(new InetSocketAddress("::1", port6), 0));
                int port4 = any4.address().getPort();
                assertEquals("s", nameVia(new InetSocketAddress("127.0.0.1", port4), 0));
                try (Socket v6 = new Socket()) {
                    org.junit.jupiter.api.Assertions.assertThrows(java.net.ConnectException.class,
                            () -> v6.connect(new InetSocketAddress("::1", port4), 2000));
                }
            }
        }
    }

    @Test
    void serviceMaxconnPausesAcceptingUntilAConnectionEnds() throws Exception {
        try (RawServer backend = RawServer.named("s");
             TestServices.Running service = TestServices.tcp().server("s", backend.port()).maxconn(2).start(loops)) {
            List<Socket> held = new ArrayList<>();
            try {
                for (int i = 0; i < 2; i++) {
                    Socket s = new Socket();
                    s.connect(service.address());
                    assertEquals('s', s.getInputStream().read());
                    held.add(s);
                }
                Socket third = new Socket();
                held.add(third);
                third.connect(service.address());
                third.setSoTimeout(300);
                // Connected in the kernel's backlog, but not served while two are open.
                assertThrowsTimeout(third.getInputStream());
                held.get(0).close();
                third.setSoTimeout(5000);
                assertEquals('s', third.getInputStream().read());
            } finally {
                for (Socket s : held) {
                    s.close();
                }
            }
        }
    }

    @Test
    void drainLetsOpenConnectionsFinishAndRefusesNewOnes() throws Exception {
        try (TestLineServer echo = TestLineServer.start(line -> "echo " + line);
             TestServices.Running service = TestServices.tcp().server("echo", echo.port()).start(loops);
             Socket client = new Socket()) {
            client.connect(service.address());
            InetSocketAddress address = service.address();
            BufferedReader in = new BufferedReader(new InputStreamReader(client.getInputStream(),
                    StandardCharsets.US_ASCII));
            client.getOutputStream().write("a\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals("echo a", in.readLine());
            CompletableFuture<Integer> drained = CompletableFuture.supplyAsync(
                    () -> service.services().drain(Duration.ofSeconds(10)));
            Await.until("the listener closed", () -> {
                try (Socket late = new Socket()) {
                    late.connect(address, 200);
                    return false;
                } catch (java.io.IOException refused) {
                    return true;
                }
            });
            client.getOutputStream().write("b\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals("echo b", in.readLine());
            client.close();
            assertEquals(0, drained.get(5, TimeUnit.SECONDS));
        }
    }

    @Test
    void thousandsOfConnectionsOverTwoLoopsWithResetsLeaveNoDescriptorOpen() throws Exception {
        int clients = 8;
        int perClient = 250;
        try (TestLineServer echo = TestLineServer.start(line -> "echo " + line);
             TestServices.Running service = TestServices.tcp().server("echo", echo.port()).start(loops)) {
            assertEquals("echo warm", exchange(service.address(), "warm", false));
            Await.until("no active connection", () -> service.runtime().counters().activeConnections() == 0);
            long descriptorsBefore = openDescriptors();
            List<CompletableFuture<Integer>> runs = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int client = c;
                runs.add(CompletableFuture.supplyAsync(() -> {
                    int answered = 0;
                    for (int i = 0; i < perClient; i++) {
                        // Every third connection resets right after sending, without waiting for the answer.
                        boolean reset = i % 3 == 0;
                        try {
                            String reply = exchange(service.address(), client + "-" + i, reset);
                            if (!reset && ("echo " + client + "-" + i).equals(reply)) {
                                answered++;
                            }
                        } catch (Exception e) {
                            throw new AssertionError(e);
                        }
                    }
                    return answered;
                }));
            }
            int answered = 0;
            for (CompletableFuture<Integer> run : runs) {
                answered += run.get(120, TimeUnit.SECONDS);
            }
            int expected = clients * (perClient - (perClient + 2) / 3);
            assertEquals(expected, answered, "every connection that waited got its own answer");
            Await.until("no active connection", () -> service.runtime().counters().activeConnections() == 0);
            assertEquals(1 + clients * perClient, service.runtime().counters().totalConnections());
            // The proxy's sockets are all closed again (the echo server's threads may lag a little behind).
            Await.until("descriptors released", () -> openDescriptors() <= descriptorsBefore + 4);
            assertEquals(0, TcpSession.heldBytes());
        }
    }

    /** Sends one line and returns the answer, or resets the connection right after sending (then null). */
    private static String exchange(InetSocketAddress service, String line, boolean reset) throws Exception {
        try (Socket s = new Socket()) {
            s.setSoTimeout(5000);
            s.connect(service);
            s.getOutputStream().write((line + "\n").getBytes(StandardCharsets.US_ASCII));
            if (reset) {
                s.setSoLinger(true, 0);
                return null;
            }
            return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
        }
    }

    private static long openDescriptors() {
        String[] fds = new java.io.File("/proc/self/fd").list();
        return fds == null ? 0 : fds.length;
    }

    /** Connects (from {@code localPort} unless 0) and returns the first line the server sends. */
    static String nameVia(InetSocketAddress service, int localPort) throws Exception {
        try (Socket s = new Socket()) {
            if (localPort != 0) {
                s.setReuseAddress(true);
                s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), localPort));
            }
            s.setSoTimeout(5000);
            s.connect(service);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            String name = in.readLine();
            if (localPort != 0) {
                // Wait for the proxy's close (it relays the server's), so that the proxy closes first and the
                // client port does not linger in TIME_WAIT.
                in.read();
            }
            return name;
        }
    }


    private static void assertThrowsTimeout(InputStream in) throws java.io.IOException {
        try {
            int b = in.read();
            throw new AssertionError("served although at maxconn: read " + b);
        } catch (java.net.SocketTimeoutException expected) {
            // Not served: right.
        }
    }

    /**
     * A listener whose accept queue is full and never drained: the kernel drops further SYNs, so a connect there
     * times out (rather than being refused).
     */
    static final class Blackhole implements AutoCloseable {
        private final ServerSocket listener;
        private final List<Socket> fillers = new ArrayList<>();

        Blackhole() throws java.io.IOException {
            listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
            for (int i = 0; i < 4; i++) {
                Socket s = new Socket();
                try {
                    s.connect(listener.getLocalSocketAddress(), 200);
                    fillers.add(s);
                } catch (java.io.IOException full) {
                    s.close();
                    break;
                }
            }
        }

        int port() {
            return listener.getLocalPort();
        }

        @Override
        public void close() throws java.io.IOException {
            for (Socket s : fillers) {
                s.close();
            }
            listener.close();
        }
    }
}
