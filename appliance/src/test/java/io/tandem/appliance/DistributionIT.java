package io.tandem.appliance;

import com.sun.net.httpserver.HttpServer;
import io.tandem.core.testing.Await;
import io.tandem.core.testing.TestPorts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The packaged distribution as a user runs it: {@code bin/tandem} with its launcher, signals and exit codes. */
class DistributionIT {
    private static final Path HOME = Path.of(System.getProperty("tandem.home", "target/tandem"));
    private static final Path LAUNCHER = HOME.resolve("bin/tandem");

    @TempDir
    Path dir;

    private static Process start(Path output, String... args) throws IOException {
        return start(List.of(), output, args);
    }

    /** Runs the launcher behind {@code prefix} (a command such as {@code prlimit --nofile=256:256}). */
    private static Process start(List<String> prefix, Path output, String... args) throws IOException {
        List<String> command = new java.util.ArrayList<>(prefix);
        command.add(LAUNCHER.toString());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.redirectErrorStream(true).redirectOutput(output.toFile());
        return builder.start();
    }


    private static void awaitListening(int port, Process process, Path output) throws Exception {
        // Generous: a JVM start on a busy CI machine (load 20) took over 20 s.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            assertTrue(process.isAlive(), () -> "tandem exited early: " + read(output));
            try (Socket ignored = new Socket(InetAddress.getLoopbackAddress(), port)) {
                return;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        throw new AssertionError("tandem never listened on " + port + ": " + read(output));
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "<" + e + ">";
        }
    }

    @Test
    void launcherRefusesAJavaOlderThan17() throws Exception {
        Path fakeJava = dir.resolve("jdk/bin/java");
        Files.createDirectories(fakeJava.getParent());
        Files.writeString(fakeJava, "#!/bin/sh\necho 'openjdk version \"11.0.2\" 2019-01-15' >&2\n");
        Files.setPosixFilePermissions(fakeJava, PosixFilePermissions.fromString("rwxr-xr-x"));
        ProcessBuilder builder = new ProcessBuilder(LAUNCHER.toString(), "version").redirectErrorStream(true);
        builder.environment().put("JAVA_HOME", dir.resolve("jdk").toString());
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(1, process.waitFor());
        assertTrue(output.contains("Tandem needs Java 17 or newer"), output);
    }

    @Test
    void launcherRunsThroughARelativeLinkInALinkedDirectory() throws Exception {
        // A merged /usr as the packages install it: bin -> usr/bin, usr/bin/tandem -> ../share/tandem/bin/tandem.
        Path usr = dir.resolve("usr");
        Files.createDirectories(usr.resolve("bin"));
        Files.createDirectories(usr.resolve("share"));
        Files.createSymbolicLink(usr.resolve("share/tandem"), HOME.toAbsolutePath());
        Files.createSymbolicLink(usr.resolve("bin/tandem"), Path.of("../share/tandem/bin/tandem"));
        Files.createSymbolicLink(dir.resolve("bin"), Path.of("usr/bin"));
        Process process = new ProcessBuilder(dir.resolve("bin/tandem").toString(), "version").redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.waitFor(), output);
        assertTrue(output.toLowerCase(java.util.Locale.ROOT).contains("tandem"), output);
    }

    @Test
    void checkThroughTheLauncherExitsZeroOrOne() throws Exception {
        Path good = dir.resolve("good.yaml");
        Files.writeString(good, """
                l7:
                  frontends: { web: { bind: "127.0.0.1:18081", default-backend: app } }
                  backends: { app: { servers: { a: 127.0.0.1:9 } } }
                """);
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "l7:\n  frontends: { web: { bind: nowhere } }\n");
        Path out = dir.resolve("out.txt");
        assertEquals(0, start(out, "check", "-c", good.toString()).waitFor(), () -> read(out));
        assertTrue(read(out).contains("is valid"), read(out));
        assertEquals(1, start(out, "check", "-c", bad.toString()).waitFor());
        assertTrue(read(out).contains(bad + ":2:"), read(out));
    }

    @Test
    void sigtermLetsTheInFlightRequestFinishThenExitsZero() throws Exception {
        HttpServer slowBackend = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 10);
        CountDownLatch arrived = new CountDownLatch(1);
        CountDownLatch answer = new CountDownLatch(1);
        slowBackend.createContext("/", exchange -> {
            arrived.countDown();
            try {
                // Answers only once the daemon is draining: the request is in flight across the stop.
                answer.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            byte[] body = "slow done\n".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        slowBackend.start();
        int port = TestPorts.freePort();
        Path config = dir.resolve("tandem.yaml");
        Files.writeString(config, """
                global: { workers: 1, hard-stop-after: 10s }
                l7:
                  frontends: { web: { bind: "127.0.0.1:%d", default-backend: app } }
                  backends: { app: { servers: { slow: "127.0.0.1:%d" } } }
                """.formatted(port, slowBackend.getAddress().getPort()));
        Path out = dir.resolve("run.txt");
        Process tandem = start(out, "run", "-c", config.toString());
        try {
            awaitListening(port, tandem, out);
            HttpClient client = HttpClient.newHttpClient();
            CompletableFuture<HttpResponse<String>> inFlight = client.sendAsync(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertTrue(arrived.await(20, TimeUnit.SECONDS), "the request never reached the backend");
            tandem.destroy(); // SIGTERM
            Await.until(() -> "the daemon never began to drain: " + read(out),
                    () -> read(out).contains("stopping: listeners closed"));
            assertFalse(inFlight.isDone(), "the request ended before its server answered");
            answer.countDown();
            HttpResponse<String> response = inFlight.get(10, TimeUnit.SECONDS);
            assertEquals(200, response.statusCode());
            assertEquals("slow done\n", response.body());
            assertTrue(tandem.waitFor(15, TimeUnit.SECONDS), () -> "still running: " + read(out));
            assertEquals(0, tandem.exitValue(), () -> read(out));
            String log = read(out);
            assertTrue(log.contains("stopping: listeners closed"), log);
            assertTrue(log.contains("\"GET / HTTP/1.1\""), log);
        } finally {
            tandem.destroyForcibly();
            slowBackend.stop(0);
        }
    }

    /** One worker, {@code maxconn}, one frontend on {@code port} in front of a server that is never asked. */
    private Path oneWorkerConfig(int maxconn, int port) throws IOException {
        Path config = dir.resolve("tandem.yaml");
        Files.writeString(config, """
                global: { workers: 1, maxconn: %d }
                l7:
                  frontends: { web: { bind: "127.0.0.1:%d", default-backend: app } }
                  backends: { app: { servers: { a: 127.0.0.1:9 } } }
                """.formatted(maxconn, port));
        return config;
    }

    @Test
    void runStartsTheJvmWithTheHeapAndCollectorItsConfigNeeds() throws Exception {
        int port = TestPorts.freePort();
        Path config = oneWorkerConfig(8000, port);
        Path out = dir.resolve("run.txt");
        Process tandem = start(out, "run", "-c", config.toString());
        try {
            awaitListening(port, tandem, out);
            // The launcher execs the JVM: the process is the daemon's JVM, its command line the derived options.
            String cmdline = Files.readString(Path.of("/proc", String.valueOf(tandem.pid()), "cmdline"))
                    .replace('\0', ' ');
            CliRun expected = CliRun.of("jvm-options", "-c", config.toString());
            assertTrue(cmdline.contains(expected.out().trim()), cmdline + " lacks " + expected.out());
            assertTrue(cmdline.contains("-XX:+UseSerialGC") && cmdline.contains("-Xmx76m"), cmdline);
        } finally {
            tandem.destroy();
            tandem.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void startupWarnsWhenMaxconnNeedsMoreDescriptorsThanAllowed() throws Exception {
        int port = TestPorts.freePort();
        Path config = oneWorkerConfig(10000000, port);
        Path out = dir.resolve("run.txt");
        Process tandem = start(out, "run", "-c", config.toString());
        try {
            awaitListening(port, tandem, out);
            assertTrue(read(out).contains("global.maxconn 10000000 needs about"), read(out));
        } finally {
            tandem.destroy();
            tandem.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void outOfDescriptorsTheLogSaysSoPlainlyAndServiceRecoversOnceTheyAreFree() throws Exception {
        HttpServer backend = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        backend.createContext("/", exchange -> {
            byte[] body = "ok\n".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        backend.start();
        int l7Port = TestPorts.freePort();
        int l4Port = TestPorts.freePort();
        Path config = dir.resolve("tandem.yaml");
        Files.writeString(config, """
                global: { workers: 1, maxconn: 4096, log: none }
                defaults: { timeout: { http-request: 2m, client: 2m } }
                l7:
                  frontends: { web: { bind: "127.0.0.1:%d", default-backend: app } }
                  backends: { app: { retries: 0, servers: { a: "127.0.0.1:%d" } } }
                l4:
                  services:
                    front: { listen: "127.0.0.1:%d", servers: { web: "127.0.0.1:%d" } }
                """.formatted(l7Port, backend.getAddress().getPort(), l4Port, l7Port));
        Path out = dir.resolve("run.txt");
        Process tandem = start(List.of("prlimit", "--nofile=256:256"), out, "run", "-c", config.toString());
        List<Socket> held = new java.util.ArrayList<>();
        try {
            awaitListening(l7Port, tandem, out);
            String startup = read(out);
            assertTrue(startup.contains("may open only 256; raise the limit (LimitNOFILE="), startup);
            assertFalse(startup.contains("lower maxconn to"), startup);
            // Idle connections until the process has no descriptor left: the rest wait in the backlog.
            for (int i = 0; i < 300; i++) {
                held.add(new Socket(InetAddress.getLoopbackAddress(), l7Port));
            }
            String acceptFailed = "frontend web: accept failed: too many open files (limit 256) with ";
            awaitLog(out, acceptFailed);
            assertTrue(read(out).contains("connections open; raise LimitNOFILE or lower maxconn"), read(out));
            // An accepted connection's request needs a server connection, for which there is no descriptor.
            Socket first = held.get(0);
            first.setSoTimeout(20_000);
            first.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            String answer = new String(first.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
            assertEquals("HTTP/1.1 503", answer);
            awaitLog(out, "backend app: cannot connect to app/a at 127.0.0.1:" + backend.getAddress().getPort()
                    + ": too many open files (limit 256); raise LimitNOFILE or lower maxconn");
            held.add(new Socket(InetAddress.getLoopbackAddress(), l4Port));
            awaitLog(out, "service front: accept failed: too many open files (limit 256) with ");
            String log = read(out);
            assertFalse(log.contains("exceptionCaught"), log);
            assertFalse(log.contains("Too many open files"), log);
            for (Socket socket : held) {
                socket.close();
            }
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + l7Port + "/"))
                    .timeout(Duration.ofSeconds(10)).build();
            assertEquals(200, client.send(request, HttpResponse.BodyHandlers.ofString()).statusCode());
        } finally {
            for (Socket socket : held) {
                socket.close();
            }
            tandem.destroy();
            tandem.waitFor(10, TimeUnit.SECONDS);
            tandem.destroyForcibly();
            backend.stop(0);
        }
    }

    private static void awaitLog(Path output, String text) throws Exception {
        // Generous: a JVM start on a busy CI machine (load 20) took over 20 s.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!read(output).contains(text)) {
            assertTrue(System.nanoTime() < deadline, () -> "never logged '" + text + "': " + read(output));
            Thread.sleep(50);
        }
    }

    @Test
    void demoServesThreeBackendsOnPort8080WithAStickyCookie() throws Exception {
        Path out = dir.resolve("demo.txt");
        Process demo = start(out, "demo");
        try {
            awaitListening(8080, demo, out);
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            HttpResponse<String> first = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:8080/"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, first.statusCode());
            String servedBy = first.headers().firstValue("X-Served-By").orElse(null);
            assertNotNull(servedBy);
            assertTrue(first.body().contains(servedBy), first.body());
            String cookie = first.headers().firstValue("Set-Cookie").orElseThrow();
            for (int i = 0; i < 5; i++) {
                HttpResponse<String> again = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:8080/"))
                        .header("Cookie", cookie.substring(0, cookie.indexOf(';'))).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(servedBy, again.headers().firstValue("X-Served-By").orElse(null));
            }
            // The hint follows the runtime API's start, which can come seconds after port 8080 on a busy machine.
            awaitLog(out, "curl");
        } finally {
            demo.destroy();
            assertTrue(demo.waitFor(15, TimeUnit.SECONDS));
            assertEquals(0, demo.exitValue(), () -> read(out));
            assertFalse(demo.isAlive());
        }
    }
}
