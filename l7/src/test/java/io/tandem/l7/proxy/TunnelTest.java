package io.tandem.l7.proxy;

import io.tandem.core.testing.TestHttpBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Upgraded connections (WebSocket handshakes) become byte tunnels between client and server. */
class TunnelTest {

    /** A server that accepts one upgrade, answers 101, then echoes every byte upper-cased. */
    private static final class UpgradingEchoServer implements AutoCloseable {
        final ServerSocket socket = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        final String acceptHeader;
        volatile String requestHead;

        /** {@code rfc6455}: answers with Sec-WebSocket-Accept, as every current server does (else Hixie-76 style). */
        UpgradingEchoServer(boolean rfc6455) throws IOException {
            this.acceptHeader = rfc6455 ? "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n" : "";
            Thread thread = new Thread(this::serve, "upgrading-echo");
            thread.setDaemon(true);
            thread.start();
        }

        private void serve() {
            try (Socket s = socket.accept()) {
                InputStream in = s.getInputStream();
                StringBuilder head = new StringBuilder();
                while (!head.toString().endsWith("\r\n\r\n")) {
                    int b = in.read();
                    if (b < 0) {
                        return;
                    }
                    head.append((char) b);
                }
                requestHead = head.toString();
                OutputStream out = s.getOutputStream();
                out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" + acceptHeader + "\r\n"
                        + "WELCOME").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                int b;
                while ((b = in.read()) >= 0) {
                    out.write(Character.toUpperCase((char) b));
                    out.flush();
                }
            } catch (IOException ignored) {
                // the client side asserts
            }
        }

        String address() {
            return "127.0.0.1:" + socket.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /** WebSockets to ws_cluster; anything else to {@code plain}, whose server ${PLAIN} may hang. */
    static String config(String tunnelTimeout) {
        return """
                defaults:
                  timeout: { tunnel: %s, server: 200ms, client: 200ms }
                l7:
                  frontends:
                    web:
                      bind: 127.0.0.1:${PORT}
                      acl: { is_websocket: hdr(Upgrade) -i websocket }
                      use-backend: [ "ws_cluster if is_websocket" ]
                      default-backend: plain
                  backends:
                    ws_cluster: { servers: { ws-01: "${WS}" } }
                    plain: { servers: { s1: "${PLAIN}" } }
                """.formatted(tunnelTimeout);
    }

    private static final String HANDSHAKE = "GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
            + "Connection: keep-alive, Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            + "Sec-WebSocket-Version: 13\r\n\r\n";

    @ParameterizedTest(name = "rfc6455 accept header: {0}")
    @ValueSource(booleans = {true, false})
    void upgradeIsForwardedAndBytesFlowBothWaysLongerThanTheServerTimeout(boolean rfc6455) throws Exception {
        try (UpgradingEchoServer ws = new UpgradingEchoServer(rfc6455);
             TestHttpBackend hung = TestHttpBackend.start("hung").hang();
             ProxyHarness proxy = ProxyHarness.start(config("5s"), env(ws, hung));
             Socket client = proxy.connect()) {
            ProxyHarness.send(client, HANDSHAKE);
            InputStream in = client.getInputStream();
            assertEquals("HTTP/1.1 101 Switching Protocols", RawResponse.line(in));
            String headers = readHead(in);
            assertTrue(headers.toLowerCase(Locale.ROOT).contains("upgrade: websocket"), headers);
            assertEquals("WELCOME", new String(in.readNBytes(7), StandardCharsets.US_ASCII));
            String head = ws.requestHead.toLowerCase(Locale.ROOT);
            assertTrue(head.contains("upgrade: websocket") && head.contains("connection: upgrade"), head);
            // While the tunnel idles, both timeouts end an ordinary exchange: the server one a request the
            // server never answers, the client one a body the client never finishes. A tunnel only obeys timeout
            // tunnel, so it outlives both.
            try (Socket unanswered = proxy.connect(); Socket unfinished = proxy.connect()) {
                ProxyHarness.send(unanswered, "GET /unanswered HTTP/1.1\r\nHost: x\r\n\r\n");
                ProxyHarness.send(unfinished, "POST /unfinished HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab");
                assertEquals(504, RawResponse.read(unanswered.getInputStream()).status(), "timeout server");
                assertEquals(408, RawResponse.read(unfinished.getInputStream()).status(), "timeout client");
            }
            ProxyHarness.send(client, "hello tunnel");
            assertEquals("HELLO TUNNEL", new String(in.readNBytes(12), StandardCharsets.US_ASCII), proxy.accessLog::toString);
        }
    }

    @Test
    void idleTunnelClosesAfterTimeoutTunnel() throws Exception {
        try (UpgradingEchoServer ws = new UpgradingEchoServer(true);
             TestHttpBackend plain = TestHttpBackend.start("plain");
             ProxyHarness proxy = ProxyHarness.start(config("300ms"), env(ws, plain));
             Socket client = proxy.connect()) {
            // Timed from before the handshake: the tunnel's last activity (the server's 7 bytes) is later still, so
            // the close comes at least the timeout after this, however late this thread reads those bytes.
            long start = System.nanoTime();
            ProxyHarness.send(client, HANDSHAKE);
            InputStream in = client.getInputStream();
            assertEquals("HTTP/1.1 101 Switching Protocols", RawResponse.line(in));
            readHead(in);
            in.readNBytes(7);
            assertTrue(ProxyHarness.closedByPeer(client));
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(millis >= 300 && millis < 5000, "closed after " + millis + "ms");
        }
    }

    private static Map<String, String> env(UpgradingEchoServer ws, TestHttpBackend plain) {
        return Map.of("WS", ws.address(), "PLAIN", plain.hostPort().toString());
    }

    private static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        String line;
        while (!(line = RawResponse.line(in)).isEmpty()) {
            head.append(line).append('\n');
        }
        return head.toString();
    }
}
