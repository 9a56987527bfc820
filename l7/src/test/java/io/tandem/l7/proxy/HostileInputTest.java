package io.tandem.l7.proxy;

import io.tandem.core.testing.TestHttpBackend;
import org.junit.jupiter.api.Test;

import java.net.Socket;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Malformed and ambiguous requests through the whole proxy: each gets its 4xx and a closed connection, none
 * reaches the server, and a well-behaved client on another connection is served throughout.
 */
class HostileInputTest {

    /** {@code streamed}: the head was valid and went on before the body turned out bad (the server then sees
     *  the exchange aborted, never a complete request). */
    private record Case(String name, String bytes, int status, boolean streamed) {
        Case(String name, String bytes, int status) {
            this(name, bytes, status, false);
        }
    }

    private static final List<Case> CASES = List.of(
            new Case("CL.TE", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n", 400),
            new Case("duplicate Content-Length", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
                    + "Content-Length: 3\r\n\r\nabc", 400),
            new Case("Content-Length list", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 3\r\n\r\nabc", 400),
            new Case("signed Content-Length", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +3\r\n\r\nabc", 400),
            new Case("chunked not last", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400),
            new Case("xchunked", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n", 400),
            new Case("space before colon", "GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n", 400),
            new Case("obs-fold", "GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n folded\r\n\r\n", 400),
            new Case("NUL in value", "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n\r\n", 400),
            new Case("bare CR", "GET / HTTP/1.1\r\nHost: x\rX-A: 1\r\n\r\n", 400),
            new Case("bad header name", "GET / HTTP/1.1\r\nHost: x\r\nX(A): 1\r\n\r\n", 400),
            new Case("missing Host", "GET / HTTP/1.1\r\nX-A: 1\r\n\r\n", 400),
            new Case("two Hosts", "GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", 400),
            new Case("unknown version", "GET / HTTP/1.7\r\nHost: x\r\n\r\n", 505),
            new Case("garbage version", "GET / HTTQ/1.1\r\nHost: x\r\n\r\n", 400),
            new Case("request line too long", "GET /" + "a".repeat(10_000) + " HTTP/1.1\r\nHost: x\r\n\r\n", 414),
            new Case("headers too large", "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(20_000) + "\r\n\r\n", 431),
            new Case("bad chunk size", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400, true),
            new Case("binary junk", "\u0001\u0002\u0003\u00ff\r\n\r\n", 400));

    @Test
    void everyMalformedRequestIsRefusedAndTheWellBehavedClientIsUnharmed() throws Exception {
        try (TestHttpBackend app = TestHttpBackend.start("app");
             ProxyHarness proxy = ProxyHarness.start("""
                     l7:
                       frontends:
                         web: { bind: "127.0.0.1:${PORT}", default-backend: pool }
                       backends:
                         pool: { servers: { app: "${APP}" } }
                     """, Map.of("APP", app.hostPort().toString()));
             Socket good = proxy.connect()) {
            int served = 0;
            int streamed = 0;
            for (Case hostile : CASES) {
                try (Socket bad = proxy.connect()) {
                    ProxyHarness.send(bad, hostile.bytes());
                    RawResponse response;
                    try {
                        response = RawResponse.read(bad.getInputStream());
                    } catch (java.io.IOException e) {
                        throw new AssertionError(hostile.name() + ": no response (" + e + ")", e);
                    }
                    assertEquals(hostile.status(), response.status(), hostile.name());
                    assertTrue(ProxyHarness.closedByPeer(bad), hostile.name() + ": connection left open");
                }
                ProxyHarness.send(good, "GET /fine HTTP/1.1\r\nHost: x\r\n\r\n");
                assertEquals(200, RawResponse.read(good.getInputStream()).status(), "after " + hostile.name());
                served++;
                streamed += hostile.streamed() ? 1 : 0;
            }
            // A streamed case's head goes to the server before its body turns out bad; the server counts it only when
            // it got that far before the proxy cut the upstream connection, so it may or may not be counted.
            int reached = app.requests();
            assertTrue(reached >= served && reached <= served + streamed,
                    "only the well-behaved requests (" + served + ") and at most the " + streamed
                            + " streamed one(s) reached the server, counted " + reached);
        }
    }
}
