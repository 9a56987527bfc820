package io.tandem.core.health;

import io.tandem.core.balance.Server;
import io.tandem.core.config.CheckConfig;
import io.tandem.core.config.CheckConfig.Kind;
import io.tandem.core.config.SourcePos;
import io.tandem.core.net.EventLoops;
import io.tandem.core.testing.Await;
import io.tandem.core.testing.TestHttpBackend;
import io.tandem.core.testing.TestLineServer;
import io.tandem.core.testing.TestPorts;
import io.tandem.core.testing.TestServers;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HealthChecksTest {
    /** Interval of checks meant to fail fast; a probe's timeout equals its interval. */
    private static final Duration INTER = Duration.ofMillis(100);
    /** Interval of checks meant to pass: loose enough that a loaded CI machine does not time them out. */
    private static final Duration STEADY = Duration.ofMillis(1000);
    private static final Duration CONNECT = Duration.ofSeconds(1);
    private static final SourcePos POS = new SourcePos("test", 1, 1);

    private static EventLoops loops;

    private final HealthChecks checks = new HealthChecks();
    private final BlockingQueue<String> events = new LinkedBlockingQueue<>();

    @BeforeAll
    static void startLoops() {
        loops = EventLoops.start(1);
    }

    @AfterAll
    static void stopLoops() {
        loops.close();
    }

    @AfterEach
    void stopChecks() {
        checks.close();
    }

    private static CheckConfig http(String path, int expectStatus, String expectString, int fall, int rise) {
        return http(path, expectStatus, expectString, fall, rise, INTER);
    }

    private static CheckConfig http(String path, int expectStatus, String expectString, int fall, int rise,
                                    Duration inter) {
        return new CheckConfig(Kind.HTTP, "GET", path, null, null, expectStatus, expectString, inter, fall, rise, POS);
    }

    private static CheckConfig tcp(String send, String expect, int fall, int rise, Duration inter) {
        return new CheckConfig(Kind.TCP, null, null, null, send, 0, expect, inter, fall, rise, POS);
    }

    private Server check(int port, CheckConfig config) {
        return check(checks, TestServers.atPort("api_cluster", "api-02", port), config);
    }

    /** Starts checking {@code server} with {@code owner}, its transitions recorded in {@link #events}. */
    private Server check(HealthChecks owner, Server server, CheckConfig config) {
        owner.addListener((s, up, reason) -> events.add((up ? "UP: " : "DOWN: ") + reason));
        owner.start(loops, List.of(new CheckTarget(server, config, CONNECT)));
        return server;
    }

    private String nextEvent() throws InterruptedException {
        String event = events.poll(Await.PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        assertNotNull(event, "no state change within " + Await.PATIENCE);
        return event;
    }

    /** A result of {@code server}'s check (the first or a later one), waiting for one. */
    private CheckResult resultOf(Server server) throws InterruptedException {
        Await.until("a result of " + server.qualifiedName() + "'s check", () -> checks.check(server).lastResult() != null);
        return checks.check(server).lastResult();
    }

    /**
     * Two more probes of the check pass without another transition: the window is counted in the check's own
     * requests to {@code backend}, the third one sent only once the second was judged.
     */
    private void assertNoMoreEvents(TestHttpBackend backend) throws InterruptedException {
        int from = backend.requests();
        Await.until("two more checks", () -> backend.requests() >= from + 3);
        assertNull(events.peek(), "another transition");
    }

    @Test
    void http503TakesServerDownAfterFallFailuresAndRiseSuccessesBringItBack() throws Exception {
        try (TestHttpBackend backend = TestHttpBackend.start("api-02")) {
            Server server = check(backend.port(), http("/api/health", 0, null, 2, 3, STEADY));
            Await.until("two checks", () -> backend.requests() >= 2);
            assertTrue(server.isUp());
            assertTrue(events.isEmpty(), "a healthy server starts UP and stays UP silently");

            backend.respondWith(503);
            assertEquals("DOWN: HTTP 503, 2/2 checks failed", nextEvent());
            assertFalse(server.isUp());
            assertNoMoreEvents(backend);

            backend.respondWith(200);
            assertEquals("UP: HTTP 200, 3/3 checks passed", nextEvent());
            assertTrue(server.isUp());
            assertNoMoreEvents(backend);
        }
    }

    @Test
    void httpCheckSendsMethodPathHostAndUserAgent() throws Exception {
        try (TestHttpBackend backend = TestHttpBackend.start("api-02")) {
            CheckConfig config = new CheckConfig(Kind.HTTP, "HEAD", "/healthz", "solvethenetwork.com", null, 200, null,
                    INTER, 2, 2, POS);
            check(backend.port(), config);
            Await.until("a check", () -> backend.requests() > 0);
            assertEquals("HEAD /healthz", backend.lastRequestLine());
            assertEquals("solvethenetwork.com", backend.lastRequestHeader("Host"));
            assertEquals("tandem-check", backend.lastRequestHeader("User-Agent"));
        }
    }

    @Test
    void unexpectedStatusFailsEvenWhenItIs2xx() throws Exception {
        try (TestHttpBackend backend = TestHttpBackend.start("api-02")) {
            check(backend.port(), http("/", 204, null, 1, 1));
            assertEquals("DOWN: HTTP 200, 1/1 checks failed", nextEvent());
        }
    }

    @Test
    void refusedConnectionTakesServerDown() throws Exception {
        Server server = check(TestPorts.closedPort(), http("/", 0, null, 3, 2));
        assertEquals("DOWN: connection refused, 3/3 checks failed", nextEvent());
        assertFalse(server.isUp());
        CheckResult last = checks.check(server).lastResult();
        assertFalse(last.passed());
        assertEquals("connection refused", last.detail());
    }

    @Test
    void hangingServerFailsByTimeoutAndRecovers() throws Exception {
        try (TestHttpBackend backend = TestHttpBackend.start("api-02")) {
            backend.hang();
            check(backend.port(), http("/", 0, null, 2, 1));
            assertEquals("DOWN: timeout after 100ms, 2/2 checks failed", nextEvent());
            backend.respondWith(200);
            assertEquals("UP: HTTP 200, 1/1 checks passed", nextEvent());
        }
    }

    @Test
    void expectedStringMustAppearInTheBody() throws Exception {
        try (TestHttpBackend backend = TestHttpBackend.start("api-02")) {
            Server server = check(backend.port(), http("/", 0, "api-02", 1, 1, STEADY));
            CheckResult result = resultOf(server);
            assertTrue(result.passed(), result.toString());
            assertTrue(events.isEmpty(), events.toString());
            checks.close();
        }
        try (TestHttpBackend other = TestHttpBackend.start("api-03")) {
            try (HealthChecks second = new HealthChecks()) {
                check(second, TestServers.atPort("api_cluster", "api-03", other.port()),
                        http("/", 0, "api-02", 1, 1, STEADY));
                assertEquals("DOWN: HTTP 200, body without 'api-02', 1/1 checks failed", nextEvent());
            }
        }
    }

    @Test
    void tcpCheckSendsAndExpectsReply() throws Exception {
        try (TestLineServer redis = TestLineServer.start(line -> line.equals("PING") ? "+PONG" : "-ERR")) {
            Server server = check(redis.port(), tcp("PING\r\n", "+PONG", 1, 1, STEADY));
            CheckResult result = resultOf(server);
            assertTrue(result.passed(), result.toString());
            assertTrue(events.isEmpty(), events.toString());
        }
    }

    @Test
    void tcpCheckFailsOnWrongReplyAndOnSilence() throws Exception {
        try (TestLineServer wrong = TestLineServer.start(line -> "-ERR");
             TestLineServer silent = TestLineServer.start(line -> null)) {
            check(wrong.port(), tcp("PING\r\n", "+PONG", 1, 1, INTER));
            assertTrue(nextEvent().startsWith("DOWN: "));
            checks.close();

            try (HealthChecks second = new HealthChecks()) {
                check(second, TestServers.atPort("redis", "r1", silent.port()), tcp("PING\r\n", "+PONG", 2, 1, INTER));
                assertEquals("DOWN: timeout after 100ms, 2/2 checks failed", nextEvent());
            }
        }
    }

    @Test
    void tcpConnectOnlyCheckFollowsTheListener() throws Exception {
        Server server;
        try (TestLineServer listener = TestLineServer.start(line -> null)) {
            server = check(listener.port(), tcp(null, null, 2, 2, STEADY));
            assertEquals("TCP connect ok", resultOf(server).detail());
            assertTrue(events.isEmpty(), events.toString());
        }
        assertEquals("DOWN: connection refused, 2/2 checks failed", nextEvent());
    }

    @Test
    void firstSendExpectChecksOfAFreshProcessPassHealthyServers() throws Exception {
        // The first check in a process pays for setting up buffers and classes; that must not count as the server's.
        // One after another, as a restarted daemon would: three at once would measure their contention instead.
        for (int i = 0; i < 3; i++) {
            Process run = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Dio.netty.leakDetection.level=paranoid", "-cp", System.getProperty("java.class.path"),
                    FirstCheckMain.class.getName()).redirectErrorStream(true).start();
            String output = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(run.waitFor(60, TimeUnit.SECONDS), output);
            assertEquals(0, run.exitValue(), output);
            // The same run shows that a timeout is reported when it happens: the silent server goes DOWN.
            assertTrue(output.contains("DOWN svc/silent: timeout after 100ms, 1/1 checks failed"), output);
            assertFalse(output.contains("DOWN svc/a") || output.contains("DOWN svc/b"), output);
        }
    }

    @Test
    void replyThatArrivesWhileTheLoopIsBusyPastTheDeadlineStillPasses() throws Exception {
        CountDownLatch asked = new CountDownLatch(1);
        CountDownLatch answer = new CountDownLatch(1);
        AtomicLong busyUntil = new AtomicLong();
        CountDownLatch busy = new CountDownLatch(1);
        try (TestLineServer redis = TestLineServer.start(line -> {
                 asked.countDown();
                 awaitQuietly(answer);
                 return "+PONG";
             });
             ServerSocket hogPeer = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            // Another channel on the check's (only) event loop whose read handler keeps the loop busy.
            Channel hog = new Bootstrap().group(loops.group()).channel(loops.socketChannelClass())
                    .handler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            ReferenceCountUtil.release(msg);
                            busy.countDown();
                            while (System.nanoTime() < busyUntil.get()) {
                                Thread.onSpinWait();
                            }
                        }
                    }).connect(hogPeer.getLocalSocketAddress()).sync().channel();
            try (Socket hogSide = hogPeer.accept()) {
                Server server = check(redis.port(), tcp("PING\r\n", "+PONG", 1, 1, STEADY));
                assertTrue(asked.await(5, TimeUnit.SECONDS));
                // The request was sent before this: its deadline is due within STEADY from now; stay busy well past it.
                busyUntil.set(System.nanoTime() + STEADY.toNanos() * 2);
                hogSide.getOutputStream().write(1);
                assertTrue(busy.await(5, TimeUnit.SECONDS));
                // The reply reaches the socket while the loop is busy, before the deadline.
                answer.countDown();
                Await.until("a result of " + server.qualifiedName() + "'s check", () -> checks.check(server).lastResult() != null);
                CheckResult result = checks.check(server).lastResult();
                assertTrue(result.passed(), result.toString());
                // A timeout verdict would have taken the server DOWN (fall 1) before the result was published.
                assertTrue(events.isEmpty(), events.toString());
                assertTrue(server.isUp());
            } finally {
                hog.close().sync();
            }
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void closeStopsEveryCheck() throws Exception {
        try (TestHttpBackend backend = TestHttpBackend.start("api-02")) {
            check(backend.port(), http("/", 0, null, 2, 2));
            // Checks run every interval: here is the traffic that must stop.
            Await.until("three checks", () -> backend.requests() >= 3);
            checks.close();
            // Once the loop has run the close, no probe is scheduled and none can be sent.
            loops.group().next().submit(() -> { }).sync();
            int atClose = backend.requests();
            // The window, measured by a check still running on the same loop at the same interval: five of its
            // probes, more intervals than the three checks above took.
            try (TestHttpBackend clock = TestHttpBackend.start("clock"); HealthChecks running = new HealthChecks()) {
                check(running, TestServers.atPort("clock", "clock-01", clock.port()), http("/", 0, null, 2, 2));
                Await.until("five checks of the running check", () -> clock.requests() >= 5);
            }
            // A request sent just before the close may reach the backend after it: one at most.
            assertTrue(backend.requests() <= atClose + 1, atClose + " at close, then " + backend.requests());
        }
    }
}
