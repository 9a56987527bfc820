package io.tandem.core.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.function.UnaryOperator;

/**
 * A loopback line-oriented TCP server for tests (a stand-in for Redis, SMTP, a custom protocol): for each line
 * received it writes back {@code replies.apply(line)} plus CRLF, or nothing when that is null (a server that
 * accepts but never answers). One thread per connection; close it with try-with-resources.
 */
public final class TestLineServer implements AutoCloseable {
    private final ServerSocket listener;
    private final UnaryOperator<String> replies;

    private TestLineServer(UnaryOperator<String> replies) throws IOException {
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.replies = replies;
    }

    /** Starts a server on 127.0.0.1, an ephemeral port, answering each line with {@code replies}. */
    public static TestLineServer start(UnaryOperator<String> replies) {
        try {
            TestLineServer server = new TestLineServer(replies);
            Thread acceptor = new Thread(server::acceptLoop, "test-line-server");
            acceptor.setDaemon(true);
            acceptor.start();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int port() {
        return listener.getLocalPort();
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            try {
                Socket socket = listener.accept();
                Thread worker = new Thread(() -> serve(socket), "test-line-conn");
                worker.setDaemon(true);
                worker.start();
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.UTF_8));
            OutputStream out = socket.getOutputStream();
            String line;
            while ((line = in.readLine()) != null) {
                String reply = replies.apply(line);
                if (reply != null) {
                    out.write((reply + "\r\n").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                }
            }
        } catch (IOException peerGone) {
            // The client closed or reset; nothing to do for a test server.
        }
    }

    @Override
    public void close() {
        try {
            listener.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
