package io.tandem.appliance.lab;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Assumptions;

/**
 * Namespaces for running whole Tandem daemons against each other (the vrrp module's {@code Lab} holds the same
 * topology for the plumbing tests; its test classes are not visible here): nodes a, b, c ({@code tdm-XXXXXX-a}, …)
 * with {@code eth0} at 198.18.0.11, .12, .13/24 on one bridge in its own namespace. Nothing is created in the host's
 * namespace; {@link #close} (or the JVM exiting) kills the processes it started by PID and deletes the namespaces.
 */
public final class PairLab implements AutoCloseable {
    public static final String VIP = "198.18.0.100";
    public static final String IFACE = "eth0";

    public record Node(String name, String ns, String ip, String port) {
    }

    private final String id = String.format("%06x", ThreadLocalRandom.current().nextInt(1 << 24));
    private final String bridgeNs = "tdm-" + id + "-br";
    private final List<Node> nodes = new ArrayList<>();
    private final List<String> namespaces = new ArrayList<>();
    private final List<Process> processes = Collections.synchronizedList(new ArrayList<>());
    private final Path dir;
    private final Thread hook = new Thread(this::cleanUp);
    private boolean closed;

    /** Fails (CI=true) or skips (no CI) unless this JVM is root; then builds {@code count} nodes. */
    public static PairLab create(int count) {
        requireRoot();
        PairLab lab = new PairLab();
        try {
            lab.build(count);
            return lab;
        } catch (RuntimeException | Error e) {
            lab.close();
            throw e;
        }
    }

    public static void requireRoot() {
        if (!"root".equals(System.getProperty("user.name"))) {
            String reason = "VRRP lab tests need root (network namespaces, raw sockets)";
            if ("true".equals(System.getenv("CI"))) {
                fail(reason + ", and CI=true: lab tests must run in CI");
            }
            Assumptions.assumeTrue(false, reason);
        }
    }

    private PairLab() {
        try {
            dir = Files.createTempDirectory("tdm-pair-" + id + "-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Runtime.getRuntime().addShutdownHook(hook);
    }

    private void build(int count) {
        addNs(bridgeNs);
        ip(bridgeNs, "link", "add", "br0", "type", "bridge", "stp_state", "0", "mcast_snooping", "0");
        ip(bridgeNs, "link", "set", "br0", "up");
        for (int i = 0; i < count; i++) {
            String name = String.valueOf((char) ('a' + i));
            Node n = new Node(name, "tdm-" + id + "-" + name, "198.18.0." + (11 + i), "port-" + name);
            addNs(n.ns());
            ip(bridgeNs, "link", "add", "name", n.port(), "type", "veth", "peer", "name", IFACE, "netns", n.ns());
            ip(bridgeNs, "link", "set", n.port(), "master", "br0", "up");
            ip(n.ns(), "addr", "add", n.ip() + "/24", "dev", IFACE);
            ip(n.ns(), "link", "set", "lo", "up");
            ip(n.ns(), "link", "set", IFACE, "up");
            nodes.add(n);
        }
    }

    private void addNs(String ns) {
        run(true, "ip", "netns", "add", ns);
        namespaces.add(ns);
    }

    public Node node(int i) {
        return nodes.get(i);
    }

    public Path dir() {
        return dir;
    }

    /** {@code ip -n NS args…}, failing the test unless it exits 0. */
    public String ip(String ns, String... args) {
        List<String> c = new ArrayList<>(List.of("ip", "-n", ns));
        c.addAll(List.of(args));
        return run(true, c.toArray(String[]::new));
    }

    /** Runs a command in the node's namespace; its output, whatever its exit code. */
    public String exec(Node node, String... command) {
        List<String> c = new ArrayList<>(List.of("ip", "netns", "exec", node.ns()));
        c.addAll(List.of(command));
        return run(false, c.toArray(String[]::new));
    }

    /** Whether the node's eth0 holds the VIP now. */
    public boolean holdsVip(Node node) {
        return ip(node.ns(), "-o", "-4", "addr", "show", "dev", IFACE).contains(" " + VIP + "/");
    }

    public String mac(Node node) {
        Matcher m = Pattern.compile("link/ether ([0-9a-f:]{17})").matcher(ip(node.ns(), "link", "show", IFACE));
        if (!m.find()) {
            throw new IllegalStateException("no MAC on " + node);
        }
        return m.group(1);
    }

    /** The MAC the node's neighbour table holds for {@code ipAddress}, or null. */
    public String neighbourMac(Node node, String ipAddress) {
        Matcher m = Pattern.compile("lladdr ([0-9a-f:]{17})").matcher(ip(node.ns(), "neigh", "show", ipAddress,
                "dev", IFACE));
        return m.find() ? m.group(1) : null;
    }

    public void cut(Node node) {
        ip(bridgeNs, "link", "set", node.port(), "down");
    }

    public void heal(Node node) {
        ip(bridgeNs, "link", "set", node.port(), "up");
    }

    /** Writes {@code yaml} to a file in the lab and runs {@code tandem run -c FILE} in a child JVM in the node. */
    public Daemon startTandem(Node node, String yaml) {
        Path config = dir.resolve("tandem-" + node.name() + "-" + System.nanoTime() + ".yaml");
        try {
            Files.writeString(config, yaml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return start(node, "tandem-" + node.name(), "ip", "netns", "exec", node.ns(),
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx96m", "-Xshare:auto",
                "-cp", System.getProperty("java.class.path"), "io.tandem.appliance.TandemCli", "run", "-c",
                config.toString());
    }

    /** Starts a command (already wrapped in its namespace), tracked for clean-up; output to a file in the lab. */
    public Daemon start(Node node, String logName, String... command) {
        Path log = dir.resolve(logName + "-" + System.nanoTime() + ".log");
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            processes.add(p);
            return new Daemon(node, p, log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A process in a node: {@code ip netns exec} execs its command, so the PID is the program's own. */
    public static final class Daemon implements AutoCloseable {
        private final Node node;
        private final Process process;
        private final Path log;

        Daemon(Node node, Process process, Path log) {
            this.node = node;
            this.process = process;
            this.log = log;
        }

        public Node node() {
            return node;
        }

        public Process process() {
            return process;
        }

        public String log() {
            try {
                return Files.readString(log, StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "(no log: " + e + ")";
            }
        }

        /** Waits until the log contains {@code text}; fails with the log otherwise. */
        public void awaitLog(String text, long timeoutMillis) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
            while (!log().contains(text)) {
                if (!process.isAlive()) {
                    fail(node.name() + " exited (" + process.exitValue() + ") before logging '" + text + "':\n"
                            + log());
                }
                if (System.nanoTime() - deadline > 0) {
                    fail(node.name() + " did not log '" + text + "' within " + timeoutMillis + " ms:\n" + log());
                }
                Thread.sleep(20);
            }
        }

        public void kill9() {
            process.destroyForcibly();
        }

        public void sigterm() {
            process.destroy();
        }

        public int awaitExit(long timeoutMillis) throws InterruptedException {
            if (!process.waitFor(timeoutMillis, TimeUnit.MILLISECONDS)) {
                fail(node.name() + " did not exit within " + timeoutMillis + " ms:\n" + log());
            }
            return process.exitValue();
        }

        @Override
        public void close() {
            stop(process);
        }
    }

    static void stop(Process p) {
        List<ProcessHandle> all = new ArrayList<>(p.toHandle().descendants().toList());
        all.add(0, p.toHandle());
        all.forEach(ProcessHandle::destroy);
        for (ProcessHandle h : all) {
            try {
                h.onExit().get(3, TimeUnit.SECONDS);
            } catch (Exception e) {
                h.destroyForcibly();
            }
        }
    }

    private String run(boolean mustSucceed, String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail(String.join(" ", command) + ": no answer within 10 s");
            }
            if (mustSucceed && p.exitValue() != 0) {
                fail(String.join(" ", command) + ": exit " + p.exitValue() + ": " + out.strip());
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public synchronized void close() {
        cleanUp();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs
        }
    }

    private synchronized void cleanUp() {
        if (closed) {
            return;
        }
        closed = true;
        List<Process> started;
        synchronized (processes) {
            started = new ArrayList<>(processes);
        }
        started.forEach(PairLab::stop);
        for (int i = namespaces.size() - 1; i >= 0; i--) {
            run(false, "ip", "netns", "del", namespaces.get(i));
        }
        try (var walk = Files.walk(dir)) {
            walk.sorted(Collections.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // a temp dir left behind is harmless
        }
    }
}
