package io.tandem.l7.proxy;

import io.tandem.core.testing.TestHttpBackend;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.net.Socket;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * WebSocket handshakes (RFC 6455 §4.2.1) are checked as Debian's HAProxy 2.6 checks them, which was run on every
 * request here: a handshake ({@code Connection: upgrade} and {@code Upgrade: websocket}, no body) without a
 * Sec-WebSocket-Key of 24 characters is refused with 400 before routing. The method, the HTTP version and
 * Sec-WebSocket-Version are the server's to check (it answers 426 to a version it does not speak); HAProxy
 * forwards those requests too, and Tandem forwards them without switching protocols where they cannot upgrade.
 */
class WebSocketHandshakeTest {
    private static final String KEY = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
    private static final String VERSION = "Sec-WebSocket-Version: 13\r\n";

    /** One handshake header missing or wrong; {@code refused} when HAProxy answers it with 400. */
    enum Handshake {
        VALID("GET", "HTTP/1.1", KEY + VERSION, false),
        KEY_MISSING("GET", "HTTP/1.1", VERSION, true),
        KEY_EMPTY("GET", "HTTP/1.1", "Sec-WebSocket-Key:\r\n" + VERSION, true),
        KEY_TOO_SHORT("GET", "HTTP/1.1", "Sec-WebSocket-Key: dGhlIHNhbXBsZQ==\r\n" + VERSION, true),
        KEY_TOO_LONG("GET", "HTTP/1.1", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZSBub25jZQ==\r\n" + VERSION, true),
        KEY_MISSING_ON_POST("POST", "HTTP/1.1", VERSION, true),
        KEY_MISSING_ON_HTTP_1_0("GET", "HTTP/1.0", VERSION, true),
        VERSION_MISSING("GET", "HTTP/1.1", KEY, false),
        VERSION_NOT_13("GET", "HTTP/1.1", KEY + "Sec-WebSocket-Version: 8\r\n", false),
        METHOD_NOT_GET("POST", "HTTP/1.1", KEY + VERSION, false),
        HTTP_1_0("GET", "HTTP/1.0", KEY + VERSION, false);

        final String request;
        final boolean refused;

        Handshake(String method, String version, String fields, boolean refused) {
            this.request = method + " /chat " + version + "\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + fields + "\r\n";
            this.refused = refused;
        }
    }

    @ParameterizedTest
    @EnumSource(Handshake.class)
    void handshakeWithoutAValidKeyIsRefusedWith400AsHaproxyDoes(Handshake handshake) throws Exception {
        try (TestHttpBackend ws = TestHttpBackend.start("ws");
             ProxyHarness proxy = ProxyHarness.start("""
                     l7:
                       frontends:
                         web: { bind: "127.0.0.1:${PORT}", default-backend: ws_cluster }
                       backends:
                         ws_cluster: { servers: { ws-01: "${WS}" } }
                     """, Map.of("WS", ws.hostPort().toString()));
             Socket client = proxy.connect()) {
            ProxyHarness.send(client, handshake.request);
            RawResponse response = RawResponse.read(client.getInputStream());
            if (handshake.refused) {
                assertEquals(400, response.status());
                assertTrue(ProxyHarness.closedByPeer(client), "connection left open");
                String line = proxy.nextLogLine();
                assertTrue(line.contains(" web <NOSRV>/<NOSRV> ") && line.contains(" 400 ")
                        && line.contains(" PR-- ") && line.endsWith("\"<BADREQ>\""), line);
                assertEquals(0, ws.requests(), "the refused handshake reached the server");
            } else {
                assertEquals(200, response.status(), "the server answers what reached it");
                assertEquals(1, ws.requests());
                assertTrue(proxy.nextLogLine().contains(" web ws_cluster/ws-01 "), proxy.accessLog::toString);
            }
        }
    }
}
