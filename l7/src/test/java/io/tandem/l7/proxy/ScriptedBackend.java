package io.tandem.l7.proxy;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback HTTP/1.1 server whose answers are scripted byte by byte, for the misbehaviours real servers
 * inflict: closing mid-body, resetting, answering early, odd framing. Each connection gets its own thread, reads
 * request heads one after another and lets the {@link Script} write whatever it likes. It counts what a test needs
 * to know about the proxy's side: connections accepted, open, and closed by the proxy.
 */
final class ScriptedBackend implements AutoCloseable {

    /** Answers one request on a connection. */
    @FunctionalInterface
    interface Script {
        /** Writes the answer (reading the body is the script's business); false ends the connection. */
        boolean answer(Request request, Peer peer) throws IOException;
    }

    /**
     * A request head as the server read it; {@code connection} numbers the connections from 1, {@code index} the
     * requests on that connection from 1.
     */
    record Request(String method, String target, List<String> headers, int connection, int index) {
        String header(String name) {
            String prefix = name.toLowerCase(Locale.ROOT) + ":";
            for (String line : headers) {
                if (line.toLowerCase(Locale.ROOT).startsWith(prefix)) {
                    return line.substring(prefix.length()).trim();
                }
            }
            return null;
        }

        long contentLength() {
            String length = header("Content-Length");
            return length == null ? 0 : Long.parseLong(length);
        }
    }

    /** The server's end of one connection. */
    static final class Peer {
        final Socket socket;
        final InputStream in;
        final OutputStream out;

        Peer(Socket socket) throws IOException {
            this.socket = socket;
            this.in = new BufferedInputStream(socket.getInputStream());
            this.out = socket.getOutputStream();
        }

        void write(String text) throws IOException {
            out.write(text.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        }

        /** Reads and drops the request's Content-Length body; EOFException when the proxy closes first. */
        void drainBody(Request request) throws IOException {
            long left = request.contentLength();
            byte[] buffer = new byte[65536];
            while (left > 0) {
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
                if (n < 0) {
                    throw new EOFException(left + " body bytes never came");
                }
                left -= n;
            }
        }

        /** Closes with a TCP reset (SO_LINGER 0) instead of a FIN. */
        void reset() throws IOException {
            socket.setSoLinger(true, 0);
            socket.close();
        }
    }

    /** Answers {@code 200 ok} with a Content-Length, keeping the connection. */
    static final Script OK = (request, peer) -> ok(request, peer);

    /**
     * Answers {@code target} with exactly {@code bytes} (the request body unread), then keeps the connection or
     * closes it; answers any other target as {@link #OK} does.
     */
    static Script answering(String target, String bytes, boolean keepOpen) {
        return (request, peer) -> {
            if (!request.target().equals(target)) {
                return ok(request, peer);
            }
            peer.write(bytes);
            return keepOpen;
        };
    }

    /** Holds the answer to {@code target} until {@code release} opens (5 s at most); answers everything with {@code then}. */
    static Script holding(String target, CountDownLatch release, Script then) {
        return (request, peer) -> {
            if (request.target().equals(target)) {
                try {
                    release.await(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return then.answer(request, peer);
        };
    }

    static boolean ok(Request request, Peer peer) throws IOException {
        peer.drainBody(request);
        peer.write("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nok\n");
        return true;
    }

    private final ServerSocket listener;
    private final Script script;
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger closedByProxy = new AtomicInteger();
    private final Queue<Socket> sockets = new ConcurrentLinkedQueue<>();
    final Queue<String> requests = new ConcurrentLinkedQueue<>();
    private volatile boolean closed;

    ScriptedBackend(Script script) throws IOException {
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.script = script;
        Thread acceptor = new Thread(this::acceptLoop, "scripted-backend");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    String address() {
        return "127.0.0.1:" + listener.getLocalPort();
    }

    /** Connections accepted so far. */
    int accepted() {
        return accepted.get();
    }

    /** Connections open now. */
    int open() {
        return open.get();
    }

    /** Connections the proxy closed or reset (seen as end of stream or an I/O error), not the script. */
    int closedByProxy() {
        return closedByProxy.get();
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            try {
                Socket socket = listener.accept();
                socket.setTcpNoDelay(true);
                int id = accepted.incrementAndGet();
                open.incrementAndGet();
                sockets.add(socket);
                Thread worker = new Thread(() -> serve(socket, id), "scripted-backend-" + id);
                worker.setDaemon(true);
                worker.start();
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void serve(Socket socket, int id) {
        try {
            Peer peer = new Peer(socket);
            for (int index = 1; ; index++) {
                Request request = readHead(peer.in, id, index);
                if (request == null) {
                    closedByProxy.incrementAndGet();
                    return;
                }
                requests.add(request.method() + " " + request.target());
                if (!script.answer(request, peer)) {
                    return;
                }
            }
        } catch (SocketTimeoutException idle) {
            // The script set a read timeout: the server's own idle timeout closes the connection.
        } catch (IOException | RuntimeException e) {
            if (!closed) {
                // The proxy went away while the script read or wrote: that is what the counter is for.
                closedByProxy.incrementAndGet();
            }
        } finally {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
            open.decrementAndGet();
        }
    }

    /** The next request head, or null at a clean end of stream before its first byte. */
    private static Request readHead(InputStream in, int connection, int index) throws IOException {
        String requestLine = RawResponse.line(in);
        if (requestLine == null) {
            return null;
        }
        List<String> headers = new ArrayList<>();
        String line;
        while ((line = RawResponse.line(in)) != null && !line.isEmpty()) {
            headers.add(line);
        }
        if (line == null) {
            throw new EOFException("head cut short");
        }
        String[] parts = requestLine.split(" ");
        return new Request(parts[0], parts[1], headers, connection, index);
    }

    @Override
    public void close() throws IOException {
        closed = true;
        listener.close();
        Socket socket;
        while ((socket = sockets.poll()) != null) {
            socket.close();
        }
    }
}
