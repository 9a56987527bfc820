package io.tandem.l7.proxy;

import io.tandem.core.balance.Server;
import io.tandem.core.state.Tier;
import io.tandem.core.testing.Await;
import io.tandem.core.testing.TestHttpBackend;
import io.tandem.core.testing.TestPorts;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.Socket;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
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

            int other = TestPorts.freePort();
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

    private static final String RETIRING = """
            l7:
              frontends:
                web:
                  bind: 127.0.0.1:${PORT}
                  acl: { to_old: path_beg /old }
                  use-backend: [ "old if to_old" ]
                  default-backend: app
              backends:
                app:
                  balance: roundrobin
                  check: { http: GET /health, inter: 100ms }
                  servers: { a: "${A}", b: "${B}" }
                old:
                  check: { http: GET /health, inter: 100ms }
                  servers: { c: "${C}" }
            """;

    @Test
    void aServerOrBackendTheRecompileDropsGetsNoNewRequestsAndItsChecksStop() throws Exception {
        try (TestHttpBackend a = TestHttpBackend.start("a");
             TestHttpBackend b = TestHttpBackend.start("b");
             TestHttpBackend c = TestHttpBackend.start("c");
             ProxyHarness proxy = ProxyHarness.start(RETIRING, Map.of("A", a.hostPort().toString(),
                     "B", b.hostPort().toString(), "C", c.hostPort().toString()))) {
            // Before: all three are checked and serve.
            Set<String> served = new HashSet<>();
            for (int i = 0; i < 4; i++) {
                served.add(proxy.exchange(GET).bodyText());
            }
            assertEquals(Set.of("a\n", "b\n"), served, "round robin over both servers of app");
            assertEquals("c\n", proxy.exchange(GET.replace("GET /", "GET /old")).bodyText());
            for (TestHttpBackend server : List.of(a, b, c)) {
                Await.until(server.name() + " checked", () -> server.requests("/health") >= 2);
            }
            Server retiredB = proxy.state.server(Tier.L7, "app", "b");
            Server retiredC = proxy.state.server(Tier.L7, "old", "c");

            // The recompile drops server b and backend old (and the rule that led there).
            L7Snapshot next = proxy.compile(RETIRING.replace(", b: \"${B}\"", "")
                    .replace("      use-backend: [ \"old if to_old\" ]\n", "")
                    .replaceAll("(?s)\n    old:.*$", "\n"));
            proxy.proxy.prepare(next).apply();
            int bChecks = b.requests("/health");
            int cChecks = c.requests("/health");
            assertNull(proxy.state.server(Tier.L7, "app", "b"));
            assertNull(proxy.state.healthChecks().check(retiredB), "b's check stopped");
            assertNull(proxy.state.healthChecks().check(retiredC), "c's check stopped");
            // The window, measured by a's check, which runs on at the same interval: five more of its probes.
            int aChecks = a.requests("/health");
            Await.until("five more checks of a", () -> a.requests("/health") >= aChecks + 5);
            // A probe sent just before the commit may arrive after it: one at most.
            assertTrue(b.requests("/health") <= bChecks + 1, "b checked on: " + b.requests("/health"));
            assertTrue(c.requests("/health") <= cChecks + 1, "c checked on: " + c.requests("/health"));
            int bServed = b.requests("/");
            for (int i = 0; i < 4; i++) {
                assertEquals("a\n", proxy.exchange(GET).bodyText(), "only a is left in app");
            }
            assertEquals("a\n", proxy.exchange(GET.replace("GET /", "GET /old")).bodyText(), "old is gone: app");
            assertEquals(bServed, b.requests("/"), "b got a request after it was retired");
            assertEquals(1, c.requests("/old"), "c got a request after its backend was retired");
        }
    }
}
