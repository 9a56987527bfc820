package io.tandem.l4;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback TCP server for tests that hands each accepted connection to a per-connection script on its own
 * thread, and records what the script returns or throws.
 */
final class RawServer implements AutoCloseable {
    /** What a connection does; its result is queued for the test. */
    @FunctionalInterface
    interface Script {
        Object serve(Socket socket) throws Exception;
    }

    private final ServerSocket listener;
    private final Script script;
    private final BlockingQueue<Object> results = new LinkedBlockingQueue<>();
    private final AtomicInteger accepted = new AtomicInteger();

    private RawServer(Script script, int backlog) throws IOException {
        this.listener = new ServerSocket(0, backlog, InetAddress.getLoopbackAddress());
        this.script = script;
    }

    static RawServer start(Script script) {
        try {
            RawServer server = new RawServer(script, 50);
            Thread acceptor = new Thread(server::acceptLoop, "raw-server");
            acceptor.setDaemon(true);
            acceptor.start();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A server that writes {@code name} and a newline, shuts its output, reads until the client closes. */
    static RawServer named(String name) {
        return start(socket -> {
            try (socket) {
                socket.getOutputStream().write((name + "\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                socket.shutdownOutput();
                socket.getInputStream().readAllBytes();
            }
            return name;
        });
    }

    int port() {
        return listener.getLocalPort();
    }

    /** Connections accepted so far (health checks' included). */
    int accepted() {
        return accepted.get();
    }

    /** The next connection's result (or the exception it threw), waiting up to {@code seconds}. */
    Object nextResult(long seconds) throws InterruptedException {
        return results.poll(seconds, TimeUnit.SECONDS);
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            try {
                Socket socket = listener.accept();
                accepted.incrementAndGet();
                Thread worker = new Thread(() -> {
                    try {
                        results.add(script.serve(socket));
                    } catch (Exception | Error e) {
                        results.add(e);
                    }
                }, "raw-server-conn");
                worker.setDaemon(true);
                worker.start();
            } catch (IOException closed) {
                return;
            }
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
    }
}
