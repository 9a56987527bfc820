package io.tandem.l7.proxy;

import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.tandem.core.testing.TestHttpBackend;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@link Exchange} that serves HTTP/1 connections serves an {@link InMemoryDownstream} unchanged, through the
 * same compiled frontend: rules, routing, balancing and stickiness, to real servers on loopback.
 */
class ExchangeSeamTest {
    private static final String CONFIG = """
            l7:
              frontends:
                web:
                  bind: 127.0.0.1:${PORT}
                  http-request:
                    - deny if { path_beg /admin }
                    - set-header X-Seen-By tandem
                  use-backend: [ "sticky if { path_beg /ws }" ]
                  default-backend: app
              backends:
                app:
                  balance: roundrobin
                  servers: { app-1: "${A}", app-2: "${B}" }
                sticky:
                  balance: roundrobin
                  stick-table: { type: ip, size: 10, expire: 30m }
                  stick-on: src
                  servers: { ws-1: "${C}", ws-2: "${D}" }
            """;
    private static final InetSocketAddress CLIENT = new InetSocketAddress(InetAddress.getLoopbackAddress(), 40000);

    private record Setup(ProxyHarness proxy, FrontendRuntime frontend, EventLoop loop, Upstreams connector) {
        InMemoryDownstream.Response get(String path) throws Exception {
            DefaultHttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path,
                    new DefaultHttpHeaders().add("Host", "example.com"));
            return InMemoryDownstream.send(frontend, CLIENT, loop, connector, request).get(5, TimeUnit.SECONDS);
        }
    }

    private static Setup setup(ProxyHarness proxy) {
        return new Setup(proxy, proxy.snapshot.frontends().get("web"), proxy.loops.group().next(),
                new Upstreams(proxy.loops, 30_000));
    }

    private static ProxyHarness start(TestHttpBackend... servers) throws Exception {
        return ProxyHarness.start(CONFIG, Map.of("A", servers[0].hostPort().toString(),
                "B", servers[1].hostPort().toString(), "C", servers[2].hostPort().toString(),
                "D", servers[3].hostPort().toString()));
    }

    @Test
    void inMemoryRequestsGoThroughRulesAndTheBalancerToRealServers() throws Exception {
        try (TestHttpBackend a = TestHttpBackend.start("app-1"); TestHttpBackend b = TestHttpBackend.start("app-2");
             TestHttpBackend c = TestHttpBackend.start("ws-1"); TestHttpBackend d = TestHttpBackend.start("ws-2");
             ProxyHarness proxy = start(a, b, c, d)) {
            Setup setup = setup(proxy);
            List<String> answeredBy = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                InMemoryDownstream.Response response = setup.get("/page");
                assertEquals(200, response.status(), response::logLine);
                answeredBy.add(response.body().trim());
                assertTrue(response.logLine().contains(" web app/" + response.body().trim() + " "), response.logLine());
            }
            assertEquals(List.of("app-1", "app-2"), answeredBy.stream().sorted().toList(), "roundrobin over both");
            assertEquals("tandem", a.lastRequestHeader("X-Seen-By"), "the frontend's set-header ran");
        }
    }

    @Test
    void denyRuleAnswersAnInMemoryRequestWithoutAServer() throws Exception {
        try (TestHttpBackend a = TestHttpBackend.start("app-1"); TestHttpBackend b = TestHttpBackend.start("app-2");
             TestHttpBackend c = TestHttpBackend.start("ws-1"); TestHttpBackend d = TestHttpBackend.start("ws-2");
             ProxyHarness proxy = start(a, b, c, d)) {
            InMemoryDownstream.Response response = setup(proxy).get("/admin/users");
            assertEquals(403, response.status());
            assertTrue(response.logLine().contains(" web <NOSRV>/<NOSRV> ") && response.logLine().contains(" PR-- "),
                    response.logLine());
            assertEquals(0, a.requests() + b.requests(), "a denied request reaches no server");
            assertNull(a.lastRequestLine());
        }
    }

    @Test
    void stickEntryStoredByAnInMemoryRequestSteersTheHttp1Requests() throws Exception {
        try (TestHttpBackend a = TestHttpBackend.start("app-1"); TestHttpBackend b = TestHttpBackend.start("app-2");
             TestHttpBackend c = TestHttpBackend.start("ws-1"); TestHttpBackend d = TestHttpBackend.start("ws-2");
             ProxyHarness proxy = start(a, b, c, d);
             Socket client = proxy.connect()) {
            // Both come from 127.0.0.1: the in-memory request's stick-on src entry decides the socket's requests.
            String stuck = setup(proxy).get("/ws/chat").body().trim();
            assertEquals(stuck, proxy.snapshot.backends().get("sticky").stickTable().lookup("127.0.0.1").serverId(),
                    "the in-memory exchange stored its server");
            for (int i = 0; i < 4; i++) {
                ProxyHarness.send(client, "GET /ws/chat HTTP/1.1\r\nHost: x\r\n\r\n");
                assertEquals(stuck, RawResponse.read(client.getInputStream()).bodyText().trim(),
                        "HTTP/1 request " + i + " left the server the key sticks to");
            }
        }
    }
}
