package io.tandem.appliance;

import io.tandem.core.config.ConfigLoader;
import io.tandem.core.net.EventLoops;
import io.tandem.core.testing.Await;
import io.tandem.core.testing.LogLines;
import io.tandem.core.testing.TestHttpBackend;
import io.tandem.core.testing.TestPorts;
import jnr.unixsocket.UnixDatagramChannel;
import jnr.unixsocket.UnixSocketAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Access-log lines leave the daemon in the configured format, to a real file, UDP syslog listener or unix socket. */
class AccessLogDestinationsTest {
    /** RFC 5424: PRI VERSION TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA MSG. */
    private static final Pattern RFC5424 = Pattern.compile(
            "<134>1 (\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z) lb-a tandem (\\d+) access - (.*)");

    @TempDir
    Path dir;


    /**
     * Runs a one-frontend daemon with {@code global}, sends {@code target} through it, then stops it. The JDK's
     * server behind answers 400 to a target with a quote in it; the proxy lets that through.
     */
    private static void serveOne(String global, String target) throws Exception {
        int port = TestPorts.freePort();
        try (TestHttpBackend app = TestHttpBackend.start("app-1")) {
            String yaml = """
                    global: { name: lb-a, workers: 1, %s }
                    l7:
                      frontends: { web: { bind: "127.0.0.1:%d", default-backend: app } }
                      backends: { app: { servers: { app-1: "%s" } } }
                    """.formatted(global, port, app.hostPort());
            CheckedConfig checked = CheckedConfig.of(ConfigLoader.parse("log.yaml", yaml, Map.of()));
            assertTrue(checked.ok(), checked.errors().toString());
            try (EventLoops loops = EventLoops.start(1);
                 TandemDaemon daemon = TandemDaemon.start(checked, loops, null);
                 Socket client = new Socket(InetAddress.getLoopbackAddress(), port)) {
                client.setSoTimeout(5000);
                client.getOutputStream().write(("GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                        .getBytes(StandardCharsets.ISO_8859_1));
                String response = new String(client.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
                assertTrue(response.startsWith("HTTP/1.1 "), response);
            }
        }
    }

    private static Matcher rfc5424(String datagram) {
        Matcher matcher = RFC5424.matcher(datagram);
        assertTrue(matcher.matches(), datagram);
        assertEquals(ProcessHandle.current().pid(), Long.parseLong(matcher.group(2)), datagram);
        return matcher;
    }

    @Test
    void syslogOverUdpSendsRfc5424DatagramsWithJsonLines() throws Exception {
        try (DatagramSocket listener = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            listener.setSoTimeout(10_000);
            serveOne("log: \"syslog://127.0.0.1:" + listener.getLocalPort() + "\", log-format: json", "/a\"b");
            DatagramPacket packet = new DatagramPacket(new byte[65536], 65536);
            listener.receive(packet);
            String datagram = new String(packet.getData(), 0, packet.getLength(), StandardCharsets.UTF_8);
            String json = rfc5424(datagram).group(3);
            assertTrue(Pattern.matches("\\{\"accept_date\":\"\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z\","
                    + "\"client_ip\":\"127\\.0\\.0\\.1\",\"client_port\":\\d+,\"frontend\":\"web\",\"backend\":\"app\","
                    + "\"server\":\"app-1\",\"TR\":\\d+,\"Tw\":\\d+,\"Tc\":\\d+,\"Tr\":\\d+,\"Ta\":\\d+,\"status\":400,"
                    + "\"bytes\":\\d+,\"termination_state\":\"----\",\"retries\":0,"
                    + "\"request\":\"GET /a\\\\\"b HTTP/1\\.1\"}", json), json);
        }
    }

    @Test
    void syslogToALocalDatagramSocketSendsRfc5424HttplogLines() throws Exception {
        File path = dir.resolve("log.sock").toFile();
        try (UnixDatagramChannel listener = UnixDatagramChannel.open()) {
            listener.bind(new UnixSocketAddress(path));
            serveOne("log: \"syslog:" + path + "\"", "/x#y");
            ByteBuffer buffer = ByteBuffer.allocate(65536);
            listener.configureBlocking(false);
            Await.until("a datagram on " + path, () -> {
                try {
                    return listener.receive(buffer) != null;
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            buffer.flip();
            String datagram = StandardCharsets.UTF_8.decode(buffer).toString();
            String line = rfc5424(datagram).group(3);
            assertTrue(Pattern.matches("127\\.0\\.0\\.1:\\d+ \\[[^]]+] web app/app-1 \\d+/\\d+/\\d+/\\d+/\\d+ 200 \\d+ - - "
                    + "---- 0 \"GET /x#23y HTTP/1\\.1\"", line), line);
        }
    }

    @Test
    void aMissingLocalSyslogSocketIsSaidAtStartAndOnFailedWritesWhileRequestsAreServed() throws Exception {
        Path missing = dir.resolve("no-syslog-here.sock");
        try (LogLines logs = LogLines.capture()) {
            serveOne("log: \"syslog:" + missing + "\"", "/served");
            assertEquals(1, logs.containing("access log: " + missing + " does not exist (is a syslog daemon running?)")
                    .size(), () -> logs.all().toString());
            assertEquals(1, logs.containing("access log: cannot write to syslog:" + missing + " (").size(),
                    () -> logs.all().toString());
        }
    }

    @Test
    void aFileGetsOneJsonObjectPerLine() throws Exception {
        Path file = dir.resolve("access.log");
        serveOne("log: \"file:" + file + "\", log-format: json", "/one");
        List<String> lines = Files.readAllLines(file);
        assertEquals(1, lines.size(), lines.toString());
        assertTrue(lines.get(0).startsWith("{\"accept_date\":\""), lines.get(0));
        assertTrue(lines.get(0).endsWith(",\"request\":\"GET /one HTTP/1.1\"}"), lines.get(0));
    }
}
