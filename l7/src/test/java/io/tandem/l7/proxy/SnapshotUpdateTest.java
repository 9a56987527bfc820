package io.tandem.l7.proxy;

import io.tandem.core.testing.TestHttpBackend;
import org.junit.jupiter.api.Test;

import java.net.Socket;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The data path reads the snapshot once per connection: an update serves new connections, open ones stay. */
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
    void newConnectionsRunOnTheUpdatedSnapshotAndOpenOnesFinishOnTheirs() throws Exception {
        try (TestHttpBackend one = TestHttpBackend.start("one");
             TestHttpBackend two = TestHttpBackend.start("two");
             ProxyHarness proxy = ProxyHarness.start(CONFIG.formatted("one"),
                     Map.of("ONE", one.hostPort().toString(), "TWO", two.hostPort().toString()));
             Socket open = proxy.connect()) {
            ProxyHarness.send(open, GET);
            assertEquals("one\n", RawResponse.read(open.getInputStream()).bodyText());
            L7Snapshot next = proxy.compile(CONFIG.formatted("two"));
            assertSame(proxy.snapshot.backends().get("one").pool(), next.backends().get("one").pool(),
                    "the recompile kept the live pools");
            proxy.proxy.update(next);
            assertEquals("two\n", proxy.exchange(GET).bodyText(), "a new connection routes by the new snapshot");
            ProxyHarness.send(open, GET);
            assertEquals("one\n", RawResponse.read(open.getInputStream()).bodyText(),
                    "the open connection keeps the snapshot it started on");
        }
    }

    @Test
    void anUpdateThatChangesTheListenersIsRefused() throws Exception {
        try (TestHttpBackend one = TestHttpBackend.start("one");
             ProxyHarness proxy = ProxyHarness.start(CONFIG.formatted("one"),
                     Map.of("ONE", one.hostPort().toString(), "TWO", one.hostPort().toString()))) {
            L7Snapshot renamed = proxy.compile(CONFIG.formatted("one").replace("    web:", "    www:"));
            assertThrows(IllegalArgumentException.class, () -> proxy.proxy.update(renamed));
            assertEquals("one\n", proxy.exchange(GET).bodyText());
        }
    }
}
