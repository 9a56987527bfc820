package io.tandem.l7.proxy;

import io.tandem.core.config.ConfigError;
import io.tandem.core.config.ConfigLoader;
import io.tandem.core.config.LoadResult;
import io.tandem.core.net.EventLoops;
import io.tandem.core.state.Recompile;
import io.tandem.core.state.RuntimeState;
import io.tandem.core.testing.TestPorts;
import io.tandem.l7.L7Compiler;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Runs a real L7 proxy on loopback from YAML text for integration tests. {@code ${PORT}} in the YAML is the
 * frontend's port (picked free); other {@code ${NAME}}s come from the given map. Raw-socket helpers send exact
 * bytes and read exact responses.
 */
final class ProxyHarness implements AutoCloseable {
    final EventLoops loops;
    final L7Proxy proxy;
    final RuntimeState state;
    final L7Snapshot snapshot;
    final int port;
    private final Map<String, String> env;
    /** The access-log lines, unless the harness was started with a log of its own. */
    final ConcurrentLinkedQueue<String> accessLog = new ConcurrentLinkedQueue<>();

    private ProxyHarness(String yaml, Map<String, String> env, AccessLog log) throws IOException {
        this.port = TestPorts.freePort();
        this.env = env;
        loops = EventLoops.start(1);
        state = new RuntimeState(loops);
        snapshot = compile(yaml);
        proxy = new L7Proxy(loops, log != null ? log : line -> accessLog.add(line.toString()), 1000,
                Duration.ofSeconds(30));
        proxy.start(snapshot);
    }

    /** Compiles {@code yaml} (same variables) against the harness's runtime state and commits it. */
    L7Snapshot compile(String yaml) {
        Map<String, String> vars = new java.util.HashMap<>(env);
        vars.put("PORT", String.valueOf(port));
        LoadResult loaded = ConfigLoader.parse("test.yaml", yaml, vars);
        List<ConfigError> errors = new ArrayList<>(loaded.errors());
        if (loaded.config() == null) {
            throw new IllegalArgumentException("config does not load: " + errors);
        }
        Recompile compile = state.recompile();
        L7Snapshot compiled = L7Compiler.compile(loaded.config(), errors, compile);
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException("config has errors: " + errors);
        }
        compile.commit();
        return compiled;
    }

    static ProxyHarness start(String yaml, Map<String, String> env) throws IOException {
        return new ProxyHarness(yaml, env, null);
    }

    /** A harness whose access lines go to {@code log} instead of {@link #accessLog}. */
    static ProxyHarness start(String yaml, Map<String, String> env, AccessLog log) throws IOException {
        return new ProxyHarness(yaml, env, log);
    }


    /** A raw client connection to the frontend, with a read timeout so a test never hangs. */
    Socket connect() throws IOException {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
        socket.setSoTimeout(5000);
        return socket;
    }

    /** Sends {@code request} on a new connection and returns one response (head and body). */
    RawResponse exchange(String request) throws IOException {
        try (Socket socket = connect()) {
            send(socket, request);
            return RawResponse.read(socket.getInputStream());
        }
    }

    static void send(Socket socket, String bytes) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(bytes.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    /** True when the peer closed the connection within the socket's read timeout. */
    static boolean closedByPeer(Socket socket) throws IOException {
        try {
            InputStream in = socket.getInputStream();
            return in.read() == -1;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (java.net.SocketException reset) {
            return true;
        }
    }

    /** Takes the oldest access-log line, waiting for one a few seconds. */
    String nextLogLine() throws InterruptedException {
        io.tandem.core.testing.Await.until("an access-log line", () -> !accessLog.isEmpty());
        return accessLog.poll();
    }

    @Override
    public void close() {
        proxy.drain(Duration.ofMillis(200));
        state.close();
        loops.close();
    }
}
