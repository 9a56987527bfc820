package io.tandem.l7.proxy;

import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.tandem.core.testing.TestHttpBackend;
import io.tandem.core.testing.TestPorts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The limits of an HTTP/2 connection against hostile clients: each ends that client's connection (GOAWAY and a log
 * line) or refuses its stream, while a second client on the same frontend is served meanwhile.
 */
class Http2LimitsTest {
    private final ConcurrentLinkedQueue<String> warnings = new ConcurrentLinkedQueue<>();
    private final Logger frontendLog = Logger.getLogger(FrontendRuntime.class.getName());
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            warnings.add(record.getMessage());
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private TestHttpBackend app;
    private ProxyHarness proxy;

    @BeforeEach
    void start() throws IOException {
        frontendLog.addHandler(capture);
        app = TestHttpBackend.start("app-1");
        proxy = ProxyHarness.start(Http2ProxyTest.config("app-1: \"${APP}\""), Map.of("APP", app.hostPort().toString()));
    }

    @AfterEach
    void stop() {
        proxy.close();
        app.close();
        frontendLog.removeHandler(capture);
    }

    /** A well-behaved client on its own connection, while the hostile one is at work. */
    private void secondClientIsServed() throws Exception {
        Http2ProxyTest.Result result = Http2ProxyTest.curl(proxy, "-w", "%{http_code}", Http2ProxyTest.url(proxy, "/"));
        assertTrue(result.out().endsWith("200"), result.out());
    }

    private void assertGoAway(RawHttp2Client client, Http2Error error) throws Exception {
        RawHttp2Client.Frame goAway = client.until(RawHttp2Client.GOAWAY);
        assertNotNull(goAway, "the connection ended without GOAWAY");
        assertEquals(error.code(), goAway.code());
        assertNull(client.until(RawHttp2Client.GOAWAY), "the connection stayed open after GOAWAY");
        io.tandem.core.testing.Await.until("the log line", () -> warnings.stream().anyMatch(
                w -> w.contains("closed HTTP/2 connection from 127.0.0.1") && w.contains(error.name())));
    }

    @Test
    void rapidResetEndsTheConnectionWithEnhanceYourCalm() throws Exception {
        try (RawHttp2Client client = new RawHttp2Client(proxy)) {
            ByteArrayOutputStream burst = new ByteArrayOutputStream();
            byte[] block = client.requestBlock("GET", "/");
            for (int stream = 1; stream < 2 * 500; stream += 2) {
                burst.write(RawHttp2Client.frameBytes(RawHttp2Client.HEADERS,
                        RawHttp2Client.END_HEADERS | RawHttp2Client.END_STREAM, stream, block));
                burst.write(RawHttp2Client.frameBytes(RawHttp2Client.RST_STREAM, 0, stream, new byte[] {0, 0, 0, 8}));
            }
            client.write(burst.toByteArray());
            secondClientIsServed();
            assertGoAway(client, Http2Error.ENHANCE_YOUR_CALM);
        }
        secondClientIsServed();
    }

    @Test
    void continuationFloodOfSmallFramesEndsTheConnection() throws Exception {
        try (RawHttp2Client client = new RawHttp2Client(proxy)) {
            byte[] block = client.requestBlock("GET", "/");
            client.frame(RawHttp2Client.HEADERS, RawHttp2Client.END_STREAM, 1, java.util.Arrays.copyOf(block, 1));
            ByteArrayOutputStream flood = new ByteArrayOutputStream();
            for (int i = 1; i < 10_000; i++) {
                flood.write(RawHttp2Client.frameBytes(RawHttp2Client.CONTINUATION, 0, 1, new byte[0]));
            }
            client.write(flood.toByteArray());
            secondClientIsServed();
            assertGoAway(client, Http2Error.ENHANCE_YOUR_CALM);
        }
    }

    @Test
    void headerBlockGrowingPastTheLimitInContinuationsEndsTheConnection() throws Exception {
        try (RawHttp2Client client = new RawHttp2Client(proxy)) {
            byte[] block = client.requestBlock("GET", "/", "x-big", "a".repeat(4000));
            try {
                client.frame(RawHttp2Client.HEADERS, RawHttp2Client.END_STREAM, 1, block);
                for (int i = 0; i < 20; i++) {
                    client.frame(RawHttp2Client.CONTINUATION, 0, 1, client.requestBlock("GET", "/", "x-" + i,
                            "b".repeat(4000)));
                }
            } catch (IOException closedByTheProxy) {
                // the proxy ended the connection while the block was still coming: what the test checks below
            }
            secondClientIsServed();
            io.tandem.core.testing.Await.until("the log line", () -> warnings.stream().anyMatch(
                    w -> w.contains("closed HTTP/2 connection") && w.contains("Header size exceeded")));
        }
    }

    @Test
    void headerListLargerThanHttp1sLimitGets431AndTheConnectionLives() throws Exception {
        try (RawHttp2Client client = new RawHttp2Client(proxy)) {
            client.headers(1, true, client.requestBlock("GET", "/", "x-big",
                    "a".repeat(Http2Connection.MAX_HEADER_LIST_SIZE + 100)));
            Http2Headers response = client.decodeIfHeaders(client.until(RawHttp2Client.HEADERS));
            assertEquals("431", response.status().toString());
            client.get(3, "/");
            RawHttp2Client.Frame next;
            while ((next = client.until(RawHttp2Client.HEADERS)) != null && next.stream() != 3) {
                // the end of stream 1
            }
            assertNotNull(next, "the connection ended after the 431");
            assertEquals("200", client.decodeIfHeaders(next).status().toString());
        }
    }

    @Test
    void streamsBeyondTheConcurrentLimitAreRefused() throws Exception {
        app.hang();
        try (RawHttp2Client client = new RawHttp2Client(proxy)) {
            int limit = Http2Connection.MAX_CONCURRENT_STREAMS;
            for (int i = 0; i <= limit; i++) {
                client.get(2 * i + 1, "/");
            }
            RawHttp2Client.Frame reset = client.until(RawHttp2Client.RST_STREAM);
            assertNotNull(reset);
            assertEquals(2 * limit + 1, reset.stream());
            assertEquals(Http2Error.REFUSED_STREAM.code(), reset.code());
            app.respondWith(200);
            secondClientIsServed();
        }
    }

    @Test
    void pingFloodFromAClientThatDoesNotReadEndsItsConnection() throws Exception {
        floodWithoutReading(RawHttp2Client.PING, new byte[8]);
    }

    @Test
    void settingsFloodFromAClientThatDoesNotReadEndsItsConnection() throws Exception {
        floodWithoutReading(RawHttp2Client.SETTINGS, new byte[0]);
    }

    private void floodWithoutReading(int type, byte[] payload) throws Exception {
        try (RawHttp2Client client = new RawHttp2Client(proxy)) {
            ByteArrayOutputStream batch = new ByteArrayOutputStream();
            for (int i = 0; i < 10_000; i++) {
                batch.write(RawHttp2Client.frameBytes(type, 0, 0, payload));
            }
            byte[] bytes = batch.toByteArray();
            CompletableFuture<Void> flood = CompletableFuture.runAsync(() -> {
                try {
                    for (int i = 0; i < 1000; i++) {
                        client.write(bytes);
                    }
                } catch (IOException closedByTheProxy) {
                    // what the test waits for
                }
            });
            secondClientIsServed();
            flood.get(60, TimeUnit.SECONDS);
            io.tandem.core.testing.Await.until("the log line", () -> warnings.stream().anyMatch(
                    w -> w.contains("closed HTTP/2 connection") && w.contains("ENHANCE_YOUR_CALM")));
        }
        secondClientIsServed();
    }

    @Test
    void windowOverflowEndsTheConnectionWithFlowControlError() throws Exception {
        try (RawHttp2Client client = new RawHttp2Client(proxy)) {
            client.windowUpdate(0, Integer.MAX_VALUE);
            secondClientIsServed();
            assertGoAway(client, Http2Error.FLOW_CONTROL_ERROR);
        }
    }

    @Test
    void drainSendsGoAwayAndLetsTheOpenStreamFinish() throws Exception {
        CompletableFuture<Integer> drain = goAwayLetsTheOpenStreamFinish(
                () -> CompletableFuture.supplyAsync(() -> proxy.proxy.drain(Duration.ofSeconds(20))));
        assertEquals(0, drain.get(30, TimeUnit.SECONDS));
    }

    @Test
    void reloadThatRemovesTheFrontendSendsGoAwayAndLetsTheOpenStreamFinish() throws Exception {
        int other = TestPorts.freePort();
        L7Snapshot moved = proxy.compile(Http2ProxyTest.config("app-1: \"${APP}\"").replace("    web:", "    www:")
                .replace("${PORT}", String.valueOf(other)));
        goAwayLetsTheOpenStreamFinish(() -> CompletableFuture.completedFuture(proxy.proxy.prepare(moved).apply()));
    }

    /** A stream in flight at a server when {@code stop} runs: GOAWAY, the stream's whole response, then the end. */
    private <T> CompletableFuture<T> goAwayLetsTheOpenStreamFinish(Stop<T> stop) throws Exception {
        app.hang();
        CompletableFuture<T> stopped;
        try (RawHttp2Client client = new RawHttp2Client(proxy)) {
            client.get(1, "/slow");
            io.tandem.core.testing.Await.until("the request at the server", () -> app.requests() == 1);
            stopped = stop.start();
            RawHttp2Client.Frame goAway = client.until(RawHttp2Client.GOAWAY);
            assertNotNull(goAway);
            assertEquals(Http2Error.NO_ERROR.code(), goAway.code());
            app.respondWith(200);
            RawHttp2Client.Frame head = client.until(RawHttp2Client.HEADERS);
            assertNotNull(head, "the open stream was cut");
            assertEquals(1, head.stream());
            assertEquals("200", client.decodeIfHeaders(head).status().toString());
            RawHttp2Client.Frame data = client.until(RawHttp2Client.DATA);
            assertNotNull(data, "the open stream's body was cut");
            assertEquals("app-1\n", new String(data.payload(), java.nio.charset.StandardCharsets.UTF_8));
            assertNull(client.until(RawHttp2Client.GOAWAY), "the connection stayed open after its last stream");
        }
        io.tandem.core.testing.Await.until("the stream's log line",
                () -> proxy.accessLog.stream().anyMatch(l -> l.contains("/slow HTTP/2.0")));
        return stopped;
    }

    /** What ends the frontend's connections: a drain or a reload. */
    @FunctionalInterface
    private interface Stop<T> {
        CompletableFuture<T> start() throws Exception;
    }
}
