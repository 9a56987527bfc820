package io.tandem.core.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.tandem.core.config.HostPort;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;

/**
 * A loopback HTTP backend for tests: answers every request with its name as the body ({@code name\n}), and can
 * be told to answer another status ({@link #respondWith}), to hang without answering ({@link #hang}), or to say in
 * each answer what it saw ({@link #echoing}). Listens on 127.0.0.1, an ephemeral port, in plain text or TLS; close
 * it with try-with-resources.
 */
public final class TestHttpBackend implements AutoCloseable {
    private final String name;
    private final HttpServer server;
    private final ExecutorService handlers;
    private final AtomicInteger requests = new AtomicInteger();
    private final Map<String, AtomicInteger> byPath = new ConcurrentHashMap<>();
    private volatile int status = 200;
    private volatile HttpExchange last;
    private volatile List<String> echoed = List.of();
    // Non-null while hanging; hung requests wait on it until healed or closed.
    private volatile CountDownLatch hanging;

    private TestHttpBackend(String name, SSLContext tls) {
        this.name = name;
        InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        try {
            if (tls == null) {
                this.server = HttpServer.create(loopback, 50);
            } else {
                HttpsServer https = HttpsServer.create(loopback, 50);
                https.setHttpsConfigurator(new HttpsConfigurator(tls));
                this.server = https;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // A thread per request, so a hung request does not stall the others.
        this.handlers = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "test-backend-" + name);
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(handlers);
        server.createContext("/", this::handle);
    }

    /** Starts a backend that answers 200 with {@code name}. */
    public static TestHttpBackend start(String name) {
        TestHttpBackend backend = new TestHttpBackend(name, null);
        backend.server.start();
        return backend;
    }

    /** Starts a backend that answers 200 with {@code name} over TLS, its certificate and key those of {@code tls}. */
    public static TestHttpBackend startTls(String name, SSLContext tls) {
        TestHttpBackend backend = new TestHttpBackend(name, tls);
        backend.server.start();
        return backend;
    }

    /**
     * From now on every answer says who served it and what it saw: {@code X-Served-By: NAME}, and for each header
     * of {@code headers} the request carried, {@code X-Seen-HEADER} with its values joined by {@code " | "}. A client
     * reads it from the answer itself, so it stays right while health checks or other clients reach the server.
     */
    public TestHttpBackend echoing(String... headers) {
        echoed = List.of(headers);
        return this;
    }

    public String name() {
        return name;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** The address as the config writes it, for {@code ServerConfig}s. */
    public HostPort hostPort() {
        return new HostPort("127.0.0.1", port());
    }

    /** Requests received so far (hung ones included). */
    public int requests() {
        return requests.get();
    }

    /** Requests received so far for {@code path} (without the query), e.g. a health check's apart from traffic. */
    public int requests(String path) {
        AtomicInteger count = byPath.get(path);
        return count == null ? 0 : count.get();
    }

    /** The latest request's line, e.g. {@code GET /health}, or null before the first. */
    public String lastRequestLine() {
        HttpExchange exchange = last;
        return exchange == null ? null : exchange.getRequestMethod() + " " + exchange.getRequestURI();
    }

    /** A header of the latest request, or null. */
    public String lastRequestHeader(String header) {
        HttpExchange exchange = last;
        return exchange == null ? null : exchange.getRequestHeaders().getFirst(header);
    }

    /** Answers {@code code} from now on (503 to fail HTTP checks, 200 to heal) and stops hanging. */
    public TestHttpBackend respondWith(int code) {
        this.status = code;
        heal();
        return this;
    }

    /** Accepts requests but never answers them until {@link #respondWith} or {@link #close}. */
    public TestHttpBackend hang() {
        hanging = new CountDownLatch(1);
        return this;
    }

    private void heal() {
        CountDownLatch latch = hanging;
        hanging = null;
        if (latch != null) {
            latch.countDown();
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        requests.incrementAndGet();
        byPath.computeIfAbsent(exchange.getRequestURI().getPath(), p -> new AtomicInteger()).incrementAndGet();
        last = exchange;
        try (exchange) {
            exchange.getRequestBody().readAllBytes();
            CountDownLatch latch = hanging;
            if (latch != null) {
                try {
                    latch.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            byte[] body = (name + "\n").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain");
            echo(exchange);
            if (exchange.getRequestMethod().equals("HEAD")) {
                exchange.sendResponseHeaders(status, -1);
                return;
            }
            exchange.sendResponseHeaders(status, body.length);
            exchange.getResponseBody().write(body);
        }
    }

    private void echo(HttpExchange exchange) {
        List<String> headers = echoed;
        if (headers.isEmpty()) {
            return;
        }
        exchange.getResponseHeaders().set("X-Served-By", name);
        for (String header : headers) {
            List<String> values = exchange.getRequestHeaders().get(header);
            if (values != null) {
                exchange.getResponseHeaders().set("X-Seen-" + header, String.join(" | ", values));
            }
        }
    }

    @Override
    public void close() {
        heal();
        server.stop(0);
        handlers.shutdownNow();
        try {
            handlers.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
