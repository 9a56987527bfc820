package io.tandem.core.health;

import io.tandem.core.balance.Server;
import io.tandem.core.config.CheckConfig;
import io.tandem.core.config.CheckConfig.Kind;
import io.tandem.core.config.SourcePos;
import io.tandem.core.net.EventLoops;
import io.tandem.core.testing.TestHttpBackend;
import io.tandem.core.testing.TestLineServer;
import io.tandem.core.testing.TestPorts;
import io.tandem.core.testing.TestServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

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
        String event = events.poll(5, TimeUnit.SECONDS);
        assertNotNull(event, "no state change within 5s");
        return event;
    }

    /** Several more intervals pass without another transition. */
    private void assertNoMoreEvents(Duration inter) throws InterruptedException {
        assertNull(events.poll(inter.toMillis() * 2, TimeUnit.MILLISECONDS));
    }

    @Test
    void http503TakesServerDownAfterFallFailuresAndRiseSuccessesBringItBack() throws Exception {
        try (TestHttpBackend backend = TestHttpBackend.start("api-02")) {
            Server server = check(backend.port(), http("/api/health", 0, null, 2, 3, STEADY));
            Thread.sleep(STEADY.toMillis() * 2);
            assertTrue(server.isUp());
            assertTrue(events.isEmpty(), "a healthy server starts UP and stays UP silently");

            backend.respondWith(503);
            assertEquals("DOWN: HTTP 503, 2/2 checks failed", nextEvent());
            assertFalse(server.isUp());
            assertNoMoreEvents(STEADY);

            backend.respondWith(200);
            assertEquals("UP: HTTP 200, 3/3 checks passed", nextEvent());
            assertTrue(server.isUp());
            assertNoMoreEvents(STEADY);
        }
    }

    @Test
    void httpCheckSendsMethodPathHostAndUserAgent() throws Exception {
        try (TestHttpBackend backend = TestHttpBackend.start("api-02")) {
            CheckConfig config = new CheckConfig(Kind.HTTP, "HEAD", "/healthz", "solvethenetwork.com", null, 200, null,
                    INTER, 2, 2, POS);
            check(backend.port(), config);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (backend.requests() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
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
            assertNoMoreEvents(STEADY);
            assertTrue(checks.check(server).lastResult().passed());
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
            assertNoMoreEvents(STEADY);
            CheckResult last = checks.check(server).lastResult();
            assertTrue(last.passed(), last.toString());
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
            assertNoMoreEvents(STEADY);
            assertEquals("TCP connect ok", checks.check(server).lastResult().detail());
        }
        assertEquals("DOWN: connection refused, 2/2 checks failed", nextEvent());
    }

    @Test
    void closeStopsEveryCheck() throws Exception {
        try (TestHttpBackend backend = TestHttpBackend.start("api-02")) {
            check(backend.port(), http("/", 0, null, 2, 2));
            Thread.sleep(INTER.toMillis() * 4);
            assertTrue(backend.requests() >= 2, "checks ran: " + backend.requests());
            checks.close();
            Thread.sleep(INTER.toMillis());
            int after = backend.requests();
            Thread.sleep(INTER.toMillis() * 4);
            assertEquals(after, backend.requests());
        }
    }
}
