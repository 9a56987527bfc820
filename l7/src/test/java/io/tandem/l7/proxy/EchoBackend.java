package io.tandem.l7.proxy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.Executors;

/**
 * A loopback backend for body tests. {@code POST /echo}: answers {@code LENGTH SHA256} of the body it read.
 * {@code GET /bytes?n=N}: answers N pattern bytes, chunked. {@code GET /headers}: answers the request headers
 * it saw, one per line, lowercased names.
 */
final class EchoBackend implements AutoCloseable {
    private final HttpServer server;

    EchoBackend() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "echo-backend");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/echo", this::echo);
        server.createContext("/bytes", this::bytes);
        server.createContext("/headers", this::headers);
        server.start();
    }

    int port() {
        return server.getAddress().getPort();
    }

    String address() {
        return "127.0.0.1:" + port();
    }

    private void echo(HttpExchange exchange) throws IOException {
        MessageDigest digest = sha256();
        long length = 0;
        try (InputStream in = exchange.getRequestBody()) {
            byte[] buffer = new byte[65536];
            int n;
            while ((n = in.read(buffer)) > 0) {
                digest.update(buffer, 0, n);
                length += n;
            }
        }
        respond(exchange, length + " " + HexFormat.of().formatHex(digest.digest()));
    }

    private void bytes(HttpExchange exchange) throws IOException {
        long n = Long.parseLong(exchange.getRequestURI().getQuery().substring(2));
        exchange.sendResponseHeaders(200, 0);
        try (OutputStream out = exchange.getResponseBody()) {
            byte[] block = pattern(65536);
            long left = n;
            while (left > 0) {
                int chunk = (int) Math.min(block.length, left);
                out.write(block, 0, chunk);
                left -= chunk;
            }
        }
    }

    private void headers(HttpExchange exchange) throws IOException {
        StringBuilder text = new StringBuilder();
        exchange.getRequestHeaders().forEach((name, values) -> values.forEach(
                v -> text.append(name.toLowerCase(java.util.Locale.ROOT)).append(": ").append(v).append('\n')));
        respond(exchange, text.toString());
    }

    private static void respond(HttpExchange exchange, String text) throws IOException {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    /** The bytes {@code /bytes} sends: a repeating 0..250 ramp, so a shifted or lost byte changes the hash. */
    static byte[] pattern(int length) {
        byte[] block = new byte[length];
        for (int i = 0; i < length; i++) {
            block[i] = (byte) (i % 251);
        }
        return block;
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
