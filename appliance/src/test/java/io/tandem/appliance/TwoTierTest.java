package io.tandem.appliance;

import io.tandem.core.config.ConfigLoader;
import io.tandem.core.net.EventLoops;
import io.tandem.core.testing.TestHttpBackend;
import io.tandem.core.testing.TestPorts;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The two tiers in one daemon: an L4 service in front of an L7 frontend, the real client carried by PROXY v2. */
class TwoTierTest {


    @Test
    void serverBehindL4ThenL7SeesTheRealClientInXForwardedFor() throws Exception {
        int l4Port = TestPorts.freePort();
        int l7Port = TestPorts.freePort();
        try (TestHttpBackend app = TestHttpBackend.start("app-1")) {
            String yaml = """
                    global: { workers: 1, log: none }
                    defaults: { forwardfor: true }
                    l7:
                      frontends:
                        web:
                          bind: "127.0.0.1:%d accept-proxy"
                          default-backend: app
                      backends:
                        app: { servers: { app-1: "%s" } }
                    l4:
                      services:
                        front:
                          listen: 127.0.0.1:%d
                          balance: maglev
                          send-proxy: v2
                          servers: { l7-local: "127.0.0.1:%d" }
                    """.formatted(l7Port, app.hostPort(), l4Port, l7Port);
            CheckedConfig checked = CheckedConfig.of(ConfigLoader.parse("two-tier.yaml", yaml, Map.of()));
            assertTrue(checked.ok(), checked.errors().toString());
            try (EventLoops loops = EventLoops.start(1);
                 TandemDaemon daemon = TandemDaemon.start(checked, loops, null);
                 Socket client = new Socket()) {
                // A client address the L4 tier's own connections never have, so the header is what carries it.
                client.bind(new InetSocketAddress("127.0.0.2", 0));
                client.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), l4Port), 2000);
                client.setSoTimeout(5000);
                client.getOutputStream().write("GET /through HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                InputStream in = client.getInputStream();
                String response = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
                assertTrue(response.startsWith("HTTP/1.1 200"), response);
                assertTrue(response.endsWith("app-1\n"), response);
                assertEquals("127.0.0.2", app.lastRequestHeader("X-Forwarded-For"));
                assertEquals("GET /through", app.lastRequestLine());
            }
        }
    }
}
