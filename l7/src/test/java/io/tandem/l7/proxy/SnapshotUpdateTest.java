package io.tandem.l7.proxy;

import io.tandem.core.testing.Await;
import io.tandem.core.testing.TestHttpBackend;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.Socket;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A reload's swap: new connections and the next request of open ones run on the new snapshot, a request in flight
 * finishes on its own; a kept bind keeps its socket, a new one opens, a removed one closes its connections once idle.
 */
class SnapshotUpdateTest {
    private static final String CONFIG = """
            defaults:
              timeout: { http-keep-alive: 10s, client: 10s }
            l7:
              frontends:
                web:
                  bind: 127.0.0.1:${PORT}
                  default-backend: %s
              backends:
                one: { servers: { s: "${ONE}" } }
                two: { servers: { s: "${TWO}" } }
            """;
    private static final String GET = "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n";

    @Test
    void aRequestInFlightFinishesOnItsSnapshotAndTheNextOneRunsOnTheNewOne() throws Exception {
        try (TestHttpBackend one = TestHttpBackend.start("one");
             TestHttpBackend two = TestHttpBackend.start("two");
             ProxyHarness proxy = ProxyHarness.start(CONFIG.formatted("one"),
                     Map.of("ONE", one.hostPort().toString(), "TWO", two.hostPort().toString()));
             Socket open = proxy.connect()) {
            ProxyHarness.send(open, GET);
            assertEquals("one\n", RawResponse.read(open.getInputStream()).bodyText());
            one.hang();
            ProxyHarness.send(open, GET);
            Await.until("the second request reached one", () -> one.requests() == 2);
            L7Snapshot next = proxy.compile(CONFIG.formatted("two"));
            assertSame(proxy.snapshot.backends().get("one").pool(), next.backends().get("one").pool(),
                    "the recompile kept the live pools");
            assertEquals(java.util.List.of(), proxy.proxy.prepare(next).apply(), "the same bind: no listener change");
            assertEquals("two\n", proxy.exchange(GET).bodyText(), "a new connection routes by the new snapshot");
            one.respondWith(200);
            assertEquals("one\n", RawResponse.read(open.getInputStream()).bodyText(),
                    "the request in flight finished on the snapshot it started on");
            ProxyHarness.send(open, GET);
            assertEquals("two\n", RawResponse.read(open.getInputStream()).bodyText(),
                    "the open connection's next request runs on the new snapshot");
        }
    }

    @Test
    void aRenamedFrontendKeepsItsSocketAndAnotherBindOpensWhileTheRemovedOneCloses() throws Exception {
        try (TestHttpBackend one = TestHttpBackend.start("one");
             ProxyHarness proxy = ProxyHarness.start(CONFIG.formatted("one"),
                     Map.of("ONE", one.hostPort().toString(), "TWO", one.hostPort().toString()));
             Socket open = proxy.connect()) {
            ProxyHarness.send(open, GET);
            assertEquals("one\n", RawResponse.read(open.getInputStream()).bodyText());
            L7Snapshot renamed = proxy.compile(CONFIG.formatted("one").replace("    web:", "    www:"));
            assertEquals(1, proxy.proxy.prepare(renamed).apply().size(), "one change: the bind now serves www");
            assertEquals("one\n", proxy.exchange(GET).bodyText());
            ProxyHarness.send(open, GET);
            RawResponse last = RawResponse.read(open.getInputStream());
            assertEquals("one\n", last.bodyText(), "web is gone: its connection's request is served by web");
            assertTrue(ProxyHarness.closedByPeer(open), "then the connection of the removed frontend closes");

            int other = ProxyHarness.freePort();
            L7Snapshot moved = proxy.compile(CONFIG.formatted("one").replace("    web:", "    www:")
                    .replace("${PORT}", String.valueOf(other)));
            try (Socket busy = proxy.connect(); Socket idle = proxy.connect()) {
                int before = one.requests();
                one.hang();
                ProxyHarness.send(busy, GET);
                Await.until("the request reached one", () -> one.requests() == before + 1);
                assertEquals(2, proxy.proxy.prepare(moved).apply().size(), "one bind opened, one closed");
                assertTrue(ProxyHarness.closedByPeer(idle), "an idle connection of the removed bind closes");
                one.respondWith(200);
                RawResponse response = RawResponse.read(busy.getInputStream());
                assertEquals("one\n", response.bodyText(), "a request in flight on the removed bind finishes");
                assertEquals("close", response.header("connection"));
                assertTrue(ProxyHarness.closedByPeer(busy), "and then its connection closes");
            }
            assertThrows(IOException.class, proxy::connect, "the removed bind refuses connections");
            try (Socket socket = new Socket(java.net.InetAddress.getLoopbackAddress(), other)) {
                socket.setSoTimeout(5000);
                ProxyHarness.send(socket, GET);
                assertEquals("one\n", RawResponse.read(socket.getInputStream()).bodyText(), "the new bind serves");
            }
        }
    }

    @Test
    void aBindThatCannotOpenFailsThePreparationAndChangesNothing() throws Exception {
        try (TestHttpBackend one = TestHttpBackend.start("one");
             java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
             ProxyHarness proxy = ProxyHarness.start(CONFIG.formatted("one"),
                     Map.of("ONE", one.hostPort().toString(), "TWO", one.hostPort().toString()))) {
            String twoBinds = CONFIG.formatted("two").replace("bind: 127.0.0.1:${PORT}",
                    "bind: [ \"127.0.0.1:${PORT}\", \"127.0.0.1:" + taken.getLocalPort() + "\" ]");
            L7Snapshot next = proxy.compile(twoBinds);
            IOException refused = assertThrows(IOException.class, () -> proxy.proxy.prepare(next));
            assertTrue(refused.getMessage().contains("cannot listen on 127.0.0.1:" + taken.getLocalPort()),
                    refused.getMessage());
            assertEquals("one\n", proxy.exchange(GET).bodyText(), "the running snapshot still serves");
        }
    }
}
