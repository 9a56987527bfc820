package io.tandem.appliance.admin;

import io.tandem.appliance.TestDaemons;
import io.tandem.core.testing.TestHttpBackend;
import io.tandem.core.testing.TestPorts;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A real daemon for runtime-API tests: frontend {@code web} (a stick table tracking sources) in front of backend
 * {@code app} (roundrobin, a persistence cookie) with servers app-01 and app-02 on loopback, an L4 service
 * {@code tcp} with t1 and t2, and the runtime API on a socket in {@code dir}; its config file is there too, for
 * {@code reload}.
 */
final class RunningDaemon implements AutoCloseable {
    final TestHttpBackend app1 = TestHttpBackend.start("app-01");
    final TestHttpBackend app2 = TestHttpBackend.start("app-02");
    final TestHttpBackend t1 = TestHttpBackend.start("t1");
    final TestHttpBackend t2 = TestHttpBackend.start("t2");
    final int webPort;
    final int tcpPort;
    final Path socket;
    final Path file;
    private final AutoCloseable daemon;

    RunningDaemon(Path dir) throws Exception {
        this.webPort = TestPorts.freePort();
        this.tcpPort = TestPorts.freePort();
        this.socket = dir.resolve("tandem.sock");
        this.file = dir.resolve("tandem.yaml");
        java.nio.file.Files.writeString(file, config(""));
        this.daemon = TestDaemons.start(file);
    }

    /** The daemon's config, with {@code extraServers} (YAML lines) after app-02. */
    String config(String extraServers) {
        return """
                global: { name: test-node, workers: 1, log: none }
                l7:
                  frontends:
                    web:
                      bind: 127.0.0.1:%d
                      stick-table: { type: ip, size: 1k, expire: 5m, store: [ "http_req_rate(10s)" ] }
                      http-request:
                        - track-sc0 src
                      default-backend: app
                  backends:
                    app:
                      balance: roundrobin
                      cookie: SRVID insert indirect
                      servers:
                        app-01: { address: "%s", cookie: s1 }
                        app-02: { address: "%s", cookie: s2 }
                %s
                l4:
                  services:
                    tcp:
                      listen: 127.0.0.1:%d
                      servers: { t1: "%s", t2: "%s" }
                admin: { socket: "%s" }
                """.formatted(webPort, app1.hostPort(), app2.hostPort(), extraServers, tcpPort, t1.hostPort(),
                t2.hostPort(), socket);
    }


    /** The runtime API's reply to {@code line}. */
    String api(String line) throws IOException {
        return AdminClient.send(socket, line);
    }

    /** GET {@code path} through the L7 frontend (with {@code cookie} when not null): the body's first line. */
    String get(String path, String cookie) throws IOException {
        return request(webPort, path, cookie);
    }

    /** GET / through the L4 service: the body's first line, the server's name. */
    String getThroughL4() throws IOException {
        return request(tcpPort, "/", null);
    }

    static String request(int port, String path, String cookie) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                    + (cookie == null ? "" : "Cookie: SRVID=" + cookie + "\r\n") + "\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
            if (!response.startsWith("HTTP/1.1 200")) {
                return response.lines().findFirst().orElse("");
            }
            String body = response.substring(response.indexOf("\r\n\r\n") + 4);
            return body.lines().findFirst().orElse("");
        }
    }

    @Override
    public void close() throws Exception {
        daemon.close();
        app1.close();
        app2.close();
        t1.close();
        t2.close();
    }
}
