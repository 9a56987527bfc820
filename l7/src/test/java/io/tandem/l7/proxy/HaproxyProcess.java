package io.tandem.l7.proxy;

import io.tandem.core.testing.Prerequisites;
import io.tandem.core.testing.TestPorts;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Debian's HAProxy in the foreground ({@code -db}) from a config in a temp dir, the reference of the differential
 * tests; {@code ${PORT}} in the config is its free port, the one it must listen on before {@link #start} returns.
 * Stopped by PID on close.
 */
final class HaproxyProcess implements AutoCloseable {
    static final Path HAPROXY = Path.of("/usr/sbin/haproxy");

    final int port;
    private final Path dir;
    private final Path log;
    private final Process process;

    private HaproxyProcess(String config) throws IOException, InterruptedException {
        port = TestPorts.freePort();
        dir = Files.createTempDirectory("tandem-haproxy-");
        Path file = dir.resolve("haproxy.cfg");
        log = dir.resolve("haproxy.log");
        Files.writeString(file, config.replace("${PORT}", String.valueOf(port)));
        process = new ProcessBuilder(HAPROXY.toString(), "-f", file.toString(), "-db")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        awaitListening();
    }

    /** Starts HAProxy on {@code config}; without haproxy the test is skipped, or fails under CI. */
    static HaproxyProcess start(String config) throws IOException, InterruptedException {
        Prerequisites.requireExecutable(HAPROXY, "haproxy");
        return new HaproxyProcess(config);
    }

    /** The first line HAProxy wrote that contains {@code text}, once it is there. */
    String awaitOutput(String text) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            for (String line : Files.readAllLines(log, StandardCharsets.ISO_8859_1)) {
                if (line.contains(text)) {
                    return line;
                }
            }
            Thread.sleep(20);
        }
        return fail("haproxy never wrote '" + text + "':\n" + Files.readString(log, StandardCharsets.ISO_8859_1));
    }

    private void awaitListening() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                String output = Files.readString(log);
                close();
                fail("haproxy exited with " + process.exitValue() + ":\n" + output);
            }
            try (Socket probe = new Socket(InetAddress.getLoopbackAddress(), port)) {
                return;
            } catch (IOException notYet) {
                Thread.sleep(20);
            }
        }
        close();
        fail("haproxy did not listen on 127.0.0.1:" + port + " within 10s");
    }

    @Override
    public void close() throws IOException, InterruptedException {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path path : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
