package io.tandem.appliance;

import io.tandem.core.testing.Await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code tandem run -c FILE} in a child JVM with this JVM's class path, its stdout and stderr in a file: what the
 * tests send real signals to ({@code kill -HUP PID}) and read the operator log of.
 */
final class DaemonProcess implements AutoCloseable {
    private final Process process;
    private final Path log;

    private DaemonProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /** Starts {@code tandem run -c config}, logging to {@code log}, with {@code env} added to its environment. */
    static DaemonProcess run(Path config, Path log, Map<String, String> env) throws IOException {
        return run(config, log, env, "paranoid");
    }

    /**
     * As {@link #run(Path, Path, Map)} with Netty's leak detector at {@code leakDetection}: {@code paranoid} for
     * tests of behaviour, {@code disabled} (as the launcher runs it) for tests that load it at full speed.
     */
    static DaemonProcess run(Path config, Path log, Map<String, String> env, String leakDetection)
            throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xmx256m", "-Dio.netty.leakDetection.level=" + leakDetection, "-cp",
                System.getProperty("java.class.path"), TandemCli.class.getName(), "run", "-c", config.toString()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        builder.environment().putAll(env);
        return new DaemonProcess(builder.start(), log);
    }

    static DaemonProcess run(Path config, Path log) throws IOException {
        return run(config, log, Map.of());
    }

    long pid() {
        return process.pid();
    }

    boolean alive() {
        return process.isAlive();
    }

    /** Sends {@code signal} (HUP, TERM, INT) with kill(1). */
    void signal(String signal) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start();
        assertEquals(0, kill.waitFor(), "kill -" + signal);
    }

    /** Everything the daemon has logged so far. */
    String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "<" + e + ">";
        }
    }

    /** How many lines of the log contain {@code text}. */
    long count(String text) {
        return log().lines().filter(line -> line.contains(text)).count();
    }

    /** Waits until the log shows {@code text}; fails with the log if the daemon exits first or it never does. */
    void awaitLog(String text) throws InterruptedException {
        awaitLog(text, 1);
    }

    /** Waits until {@code times} lines of the log show {@code text}. */
    void awaitLog(String text, long times) throws InterruptedException {
        Await.until(() -> "the log never showed '" + text + "' " + times + " time(s):\n" + log(), () -> {
            if (count(text) >= times) {
                return true;
            }
            return exitedBefore(text);
        });
    }

    /** False while the daemon runs; an assertion error with the log once it has exited. */
    private boolean exitedBefore(String what) {
        if (process.isAlive()) {
            return false;
        }
        throw new AssertionError("the daemon exited (" + process.exitValue() + ") before " + what + ":\n" + log());
    }

    /**
     * Waits until the daemon has started (its log says so: its signal handlers are in place, so a signal no longer
     * meets the JVM's defaults) and accepts connections on 127.0.0.1:{@code port}. The log first: on a shared
     * machine another process may hold the port for a moment.
     */
    void awaitListening(int port) throws InterruptedException {
        awaitLog("started as node");
        Await.until(() -> "nothing listened on " + port + ":\n" + log(), () -> {
            if (exitedBefore("listening on " + port)) {
                return false;
            }
            try (Socket ignored = new Socket(InetAddress.getLoopbackAddress(), port)) {
                return true;
            } catch (IOException notYet) {
                return false;
            }
        });
    }

    /** Waits for the exit, at most {@code bound}; returns the status, fails with the log when still running. */
    int awaitExit(Duration bound) throws InterruptedException {
        if (!process.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("still running after " + bound.toMillis() + " ms:\n" + log());
        }
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
