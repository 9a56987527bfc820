package io.tandem.vrrp.lab;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.tandem.core.testing.Prerequisites;
import io.tandem.vrrp.io.RawIpSocket;

import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.LibraryOption;

/**
 * A little network for lab tests: N node namespaces ({@code tdm-XXXXXX-a}, {@code -b}, …) each with an
 * {@code eth0} at 198.18.0.1x/24 (a = .11, b = .12, …), all plugged into one bridge that lives in its own namespace
 * ({@code tdm-XXXXXX-br}, ports named after the nodes). Nothing is created in the host's namespace, and closing the
 * lab (or the JVM exiting) kills what it started and deletes its namespaces, which takes their interfaces along.
 *
 * <p>Three ways to act inside a node: {@link #exec} runs a command under {@code ip netns exec}; {@link #inNamespace}
 * runs Java code on a fresh thread moved into the namespace with setns(2) (sockets it opens stay in that namespace,
 * whatever thread uses them later; /sys and /proc/net still show the host, so code that reads them must not run
 * there); {@link #startJava} runs a main class in a child JVM under {@code ip netns exec}, with this JVM's class path.
 */
public final class Lab implements AutoCloseable {
    /** The VIP the lab tests move around. */
    public static final String VIP = "198.18.0.100";
    public static final String IFACE = "eth0";
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(10);

    /** One node: its name ("a"), namespace, address on eth0, and the bridge port its cable plugs into. */
    /** How many times {@code needle} occurs in {@code text}, e.g. a transition in a daemon's log. */
    public static int count(String text, String needle) {
        int n = 0;
        for (int at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + needle.length())) {
            n++;
        }
        return n;
    }

    public record Node(String name, String ns, String ip, String bridgePort) {
        @Override
        public String toString() {
            return name + "(" + ns + " " + ip + ")";
        }
    }

    /** What a command did. */
    public record Result(List<String> command, int exitCode, String output) {
        public boolean ok() {
            return exitCode == 0;
        }
    }

    private final String id;
    private final String bridgeNs;
    private final Map<String, Node> nodes = new LinkedHashMap<>();
    private final List<Process> processes = Collections.synchronizedList(new ArrayList<>());
    private final List<String> createdNamespaces = new ArrayList<>();
    private final Path dir;
    private final Thread shutdownHook;
    private boolean closed;

    /** Fails (CI=true) or skips the test (no CI) with the reason, unless this JVM runs as root with iproute2. */
    public static void requireRoot() {
        String missing = null;
        if (!isRoot()) {
            missing = "lab tests need root (network namespaces, raw sockets); running as uid " + uid();
        } else if (!Files.isExecutable(Path.of("/usr/sbin/ip")) && !Files.isExecutable(Path.of("/sbin/ip"))
                && !Files.isExecutable(Path.of("/usr/bin/ip"))) {
            missing = "lab tests need iproute2 (apt-get install iproute2)";
        }
        Prerequisites.require(missing == null, missing);
    }

    /** A lab with {@code nodeCount} nodes a, b, c, … on one bridge, their links up. */
    public static Lab create(int nodeCount) {
        requireRoot();
        if (nodeCount < 1 || nodeCount > 8) {
            throw new IllegalArgumentException("1..8 nodes: " + nodeCount);
        }
        Lab lab = new Lab(String.format("%06x", ThreadLocalRandom.current().nextInt(1 << 24)));
        try {
            lab.build(nodeCount);
            return lab;
        } catch (RuntimeException | Error e) {
            lab.close();
            throw e;
        }
    }

    private Lab(String id) {
        this.id = id;
        this.bridgeNs = "tdm-" + id + "-br";
        try {
            this.dir = Files.createTempDirectory("tdm-lab-" + id + "-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.shutdownHook = new Thread(this::cleanUp, "lab-" + id + "-cleanup");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    private void build(int nodeCount) {
        addNamespace(bridgeNs);
        ipOk(bridgeNs, "link", "add", "br0", "type", "bridge", "stp_state", "0", "mcast_snooping", "0");
        ipOk(bridgeNs, "link", "set", "br0", "up");
        for (int i = 0; i < nodeCount; i++) {
            String name = String.valueOf((char) ('a' + i));
            Node node = new Node(name, "tdm-" + id + "-" + name, "198.18.0." + (11 + i), "port-" + name);
            addNamespace(node.ns());
            // Duplicate address detection off before the link comes up: link-local addresses usable at once.
            execOk(node.ns(), "sysctl", "-q", "-w", "net.ipv6.conf.all.accept_dad=0",
                    "net.ipv6.conf.default.accept_dad=0");
            ipOk(bridgeNs, "link", "add", "name", node.bridgePort(), "type", "veth", "peer", "name", IFACE, "netns", node.ns());
            ipOk(bridgeNs, "link", "set", node.bridgePort(), "master", "br0", "up");
            execOk(node.ns(), "sysctl", "-q", "-w", "net.ipv6.conf." + IFACE + ".accept_dad=0");
            ipOk(node.ns(), "addr", "add", node.ip() + "/24", "dev", IFACE);
            ipOk(node.ns(), "link", "set", "lo", "up");
            ipOk(node.ns(), "link", "set", IFACE, "up");
            nodes.put(name, node);
        }
    }

    private void addNamespace(String ns) {
        run(List.of("ip", "netns", "add", ns), true);
        createdNamespaces.add(ns);
    }

    public Node node(String name) {
        Node n = nodes.get(name);
        if (n == null) {
            throw new IllegalArgumentException("no node " + name + " in " + nodes.keySet());
        }
        return n;
    }

    public Node a() {
        return node("a");
    }

    public Node b() {
        return node("b");
    }

    public Node c() {
        return node("c");
    }

    /** A scratch directory, removed with the lab. */
    public Path dir() {
        return dir;
    }

    /** Runs {@code command} in {@code ns} ({@code ip netns exec NS command…}). */
    public Result exec(String ns, String... command) {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        full.addAll(List.of(command));
        return run(full, false);
    }

    /** {@link #exec}, failing the test unless it exits 0. @return its output */
    public String execOk(String ns, String... command) {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        full.addAll(List.of(command));
        return run(full, true).output();
    }

    /** {@code ip -n NS args…}, failing the test unless it exits 0. @return its output */
    public String ipOk(String ns, String... args) {
        List<String> full = new ArrayList<>(List.of("ip", "-n", ns));
        full.addAll(List.of(args));
        return run(full, true).output();
    }

    /** The prefix that makes iproute2 act in the node's namespace: {@code [ip, -n, NS]}. */
    public List<String> ipCommand(Node node) {
        return List.of("ip", "-n", node.ns());
    }

    /** Pulls the node's cable: its bridge port goes down, so its eth0 loses carrier. */
    public void cut(Node node) {
        ipOk(bridgeNs, "link", "set", node.bridgePort(), "down");
    }

    /** Plugs the node's cable back in. */
    public void heal(Node node) {
        ipOk(bridgeNs, "link", "set", node.bridgePort(), "up");
    }

    /**
     * A second cable straight from {@code x} to {@code y}, off the bridge: a veth pair named {@code iface} in both,
     * {@code x} at {@code xIp}/24 and {@code y} at {@code yIp}/24, up. For traffic that must be cut apart from the
     * clients' (a pair's sync link): {@link #cutWire} and {@link #healWire}.
     */
    public void wire(Node x, String xIp, Node y, String yIp, String iface) {
        ipOk(x.ns(), "link", "add", iface, "type", "veth", "peer", "name", iface, "netns", y.ns());
        for (Node n : List.of(x, y)) {
            ipOk(n.ns(), "addr", "add", (n == x ? xIp : yIp) + "/24", "dev", iface);
            ipOk(n.ns(), "link", "set", iface, "up");
        }
    }

    /** Takes {@code node}'s end of a {@link #wire} down: the peer's end loses carrier, both lose the route. */
    public void cutWire(Node node, String iface) {
        ipOk(node.ns(), "link", "set", iface, "down");
    }

    public void healWire(Node node, String iface) {
        ipOk(node.ns(), "link", "set", iface, "up");
    }

    /** Whether the node's eth0 holds {@link #VIP} now. */
    public boolean holdsVip(Node node) {
        return holds(node, VIP);
    }

    /** Whether the node's eth0 holds the IPv4 address {@code ip} now. */
    public boolean holds(Node node, String ip) {
        return ipOk(node.ns(), "-o", "-4", "addr", "show", "dev", IFACE).contains(" " + ip + "/");
    }

    /** Removes {@code ip} from the pair nodes' eth0 where a stopped daemon left it, so the next test starts clean. */
    public void dropAddress(String ip) {
        for (Node node : List.of(a(), b())) {
            if (holds(node, ip)) {
                ipOk(node.ns(), "addr", "del", ip + "/24", "dev", IFACE);
            }
        }
    }

    /** The MAC of the node's eth0, lower case with colons. */
    public String mac(Node node) {
        Matcher m = Pattern.compile("link/ether ([0-9a-f:]{17})").matcher(ipOk(node.ns(), "link", "show", IFACE));
        if (!m.find()) {
            throw new IllegalStateException("no MAC on " + IFACE + " of " + node);
        }
        return m.group(1);
    }

    /** The node's IPv6 link-local address on eth0 (no scope suffix). */
    public String linkLocal(Node node) {
        Matcher m = Pattern.compile("inet6 (fe80:[0-9a-f:]+)/64").matcher(
                ipOk(node.ns(), "-6", "addr", "show", "dev", IFACE, "scope", "link"));
        if (!m.find()) {
            throw new IllegalStateException("no link-local address on " + IFACE + " of " + node);
        }
        return m.group(1);
    }

    /** The MAC that {@code node}'s neighbour table holds for {@code ip}, if it holds one. */
    public Optional<String> neighbourMac(Node node, String ip) {
        Matcher m = Pattern.compile("lladdr ([0-9a-f:]{17})").matcher(ipOk(node.ns(), "neigh", "show", ip, "dev", IFACE));
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }

    /**
     * Whether {@code ip} answers an ICMP echo from {@code from} within {@code timeout}: ping(8) done in Java with a
     * raw ICMP socket in the node's namespace, so the lab needs no iputils.
     */
    public boolean ping(Node from, String ip, Duration timeout) throws Exception {
        InetAddress target = InetAddress.getByName(ip);
        int ident = ThreadLocalRandom.current().nextInt(1 << 16);
        return inNamespace(from, () -> {
            try (RawIpSocket icmp = RawIpSocket.open(IFACE, 1, RawIpSocket.Family.V4)) {
                byte[] echo = ByteBuffer.allocate(16).put((byte) 8).put((byte) 0).putShort((short) 0)
                        .putShort((short) ident).putShort((short) 1).putLong(System.nanoTime()).array();
                int sum = 0;
                for (int i = 0; i < echo.length; i += 2) {
                    sum += (echo[i] & 0xFF) << 8 | echo[i + 1] & 0xFF;
                }
                sum = (sum & 0xFFFF) + (sum >>> 16);
                sum += sum >>> 16;
                ByteBuffer.wrap(echo).putShort(2, (short) ~sum);
                icmp.send(echo, target);
                long deadline = System.nanoTime() + timeout.toNanos();
                long left;
                while ((left = deadline - System.nanoTime()) > 0) {
                    RawIpSocket.Received r = icmp.receive(Math.max(1, left / 1_000_000));
                    if (r != null && r.source().equals(target) && r.payload().length >= 8 && r.payload()[0] == 0
                            && ByteBuffer.wrap(r.payload()).getShort(4) == (short) ident) {
                        return true;
                    }
                }
                return false;
            }
        });
    }

    /** Runs {@code body} on a new thread moved into {@code node}'s network namespace, and waits for it. */
    public <T> T inNamespace(Node node, Callable<T> body) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                Setns.enter(node.ns());
                result.complete(body.call());
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        }, "lab-" + node.name());
        t.setDaemon(true);
        t.start();
        try {
            return result.get(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception ex) {
                throw ex;
            }
            throw e;
        }
    }

    /** Starts {@code mainClass} in a child JVM in {@code node}'s namespace; its output goes to a file in the lab. */
    public Child startJava(Node node, Class<?> mainClass, String... args) {
        return startJava(node, "64m", mainClass, args);
    }

    /** {@link #startJava(Node, Class, String...)} with a maximum heap of {@code maxHeap} ("96m"). */
    public Child startJava(Node node, String maxHeap, Class<?> mainClass, String... args) {
        List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", node.ns(),
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx" + maxHeap, "-Xshare:auto",
                "-cp", System.getProperty("java.class.path"), mainClass.getName()));
        command.addAll(List.of(args));
        return start(command, mainClass.getSimpleName() + "-" + node.name());
    }

    /**
     * Starts {@code command} (already wrapped in whatever namespace it needs), tracked for clean-up. Its output goes
     * to {@code logName.log} in the lab, or {@code logName-2.log}, … when a process started before already has it.
     */
    public Child start(List<String> command, String logName) {
        Path log = fresh(logName, ".log");
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
            processes.add(p);
            return new Child(p, log, String.join(" ", command));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + String.join(" ", command), e);
        }
    }

    /** A new empty file in the lab's directory: {@code name + suffix}, else {@code name-2 + suffix}, … */
    public synchronized Path fresh(String name, String suffix) {
        Path p = dir.resolve(name + suffix);
        for (int i = 2; Files.exists(p); i++) {
            p = dir.resolve(name + "-" + i + suffix);
        }
        try {
            Files.createFile(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    /**
     * A process the lab started: waited for, or stopped by PID (and its descendants) when the lab closes. Started
     * under {@code ip netns exec}, which execs the command: the PID is the program's own.
     */
    public static final class Child implements AutoCloseable {
        private final Process process;
        private final Path log;
        private final String command;

        Child(Process process, Path log, String command) {
            this.process = process;
            this.log = log;
            this.command = command;
        }

        public long pid() {
            return process.pid();
        }

        public String output() {
            try {
                return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
            } catch (IOException e) {
                return "(cannot read " + log + ": " + e + ")";
            }
        }

        /** Waits for the process to end, failing the test if it does not within {@code timeout} or exits non-zero. */
        public String awaitSuccess(Duration timeout) throws InterruptedException {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                close();
                fail(command + " did not finish within " + timeout.toMillis() + " ms; output:\n" + output());
            }
            if (process.exitValue() != 0) {
                fail(command + " exited " + process.exitValue() + "; output:\n" + output());
            }
            return output();
        }

        public boolean isAlive() {
            return process.isAlive();
        }

        /** Waits until the output contains {@code text}; fails with the output if the process exits or time is up. */
        public void awaitLog(String text, Duration timeout) throws InterruptedException {
            awaitLog(text, 1, timeout);
        }

        /** Waits until the output contains {@code text} {@code times} times (the n-th such event), as above. */
        public void awaitLog(String text, int times, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (count(output(), text) < times) {
                if (!process.isAlive()) {
                    fail(command + " exited (" + process.exitValue() + ") before logging '" + text + "' " + times
                            + " time(s):\n" + output());
                }
                if (System.nanoTime() - deadline > 0) {
                    fail(command + " did not log '" + text + "' " + times + " time(s) within " + timeout.toMillis()
                            + " ms:\n" + output());
                }
                Thread.sleep(20);
            }
        }

        /** SIGKILL to the process and its descendants (children first), not waiting: a hard failure. */
        public void kill9() {
            process.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }

        /** SIGTERM to the process, not waiting for it to exit. */
        public void sigterm() {
            process.destroy();
        }

        /** Waits for the process to exit, failing the test if it does not within {@code timeout}. @return its code */
        public int awaitExit(Duration timeout) throws InterruptedException {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                fail(command + " did not exit within " + timeout.toMillis() + " ms; output:\n" + output());
            }
            return process.exitValue();
        }

        /** SIGTERM to the process and its descendants, by PID; SIGKILL to what is left after 3 s. */
        @Override
        public void close() {
            stop(process.toHandle());
        }
    }

    static void stop(ProcessHandle handle) {
        List<ProcessHandle> all = new ArrayList<>(handle.descendants().toList());
        all.add(0, handle);
        all.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        for (ProcessHandle h : all) {
            try {
                h.onExit().get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                // fall through to SIGKILL
            }
            if (h.isAlive()) {
                h.destroyForcibly();
            }
        }
    }

    private Result run(List<String> command, boolean mustSucceed) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
            CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> {
                try {
                    return p.getInputStream().readAllBytes();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            if (!p.waitFor(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                fail(String.join(" ", command) + ": no answer within " + COMMAND_TIMEOUT.toSeconds() + " s");
            }
            Result r = new Result(command, p.exitValue(),
                    new String(out.get(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS), StandardCharsets.UTF_8));
            if (mustSucceed && !r.ok()) {
                fail(String.join(" ", command) + ": exit " + r.exitCode() + ": " + r.output().strip());
            }
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + String.join(" ", command), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + String.join(" ", command), e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException(String.join(" ", command) + ": " + e, e);
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        cleanUp();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or about to
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
        for (Process p : started) {
            stop(p.toHandle());
        }
        for (int i = createdNamespaces.size() - 1; i >= 0; i--) {
            String ns = createdNamespaces.get(i);
            Result r = run(List.of("ip", "netns", "del", ns), false);
            if (!r.ok()) {
                System.err.println("lab " + id + ": could not delete namespace " + ns + ": " + r.output().strip());
            }
        }
        deleteTree(dir);
    }

    private static void deleteTree(Path root) {
        try (var walk = Files.walk(root)) {
            walk.sorted(Collections.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // a temp dir left behind is harmless
        }
    }

    private static boolean isRoot() {
        return uid() == 0;
    }

    private static long uid() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return Long.parseLong(line.substring(4).trim().split("\\s+")[1]); // effective uid
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: not root for our purposes
        }
        return -1;
    }

    /** setns(2) for the calling thread, through jnr-ffi. */
    static final class Setns {
        public interface Api {
            int open(String path, int flags);

            int setns(int fd, int nstype);

            int close(int fd);

            String strerror(int errnum);
        }

        private static final int O_RDONLY_CLOEXEC = 0x80000;
        private static final int CLONE_NEWNET = 0x40000000;
        private static final Api C = LibraryLoader.create(Api.class).option(LibraryOption.SaveError, true).load("c");

        static void enter(String ns) {
            int fd = C.open("/run/netns/" + ns, O_RDONLY_CLOEXEC);
            if (fd < 0) {
                throw new IllegalStateException("open /run/netns/" + ns + ": " + error());
            }
            try {
                if (C.setns(fd, CLONE_NEWNET) != 0) {
                    throw new IllegalStateException("setns " + ns + ": " + error());
                }
            } finally {
                C.close(fd);
            }
        }

        private static String error() {
            return C.strerror(LastError.getLastError(jnr.ffi.Runtime.getRuntime(C)));
        }
    }
}
