package io.tandem.vrrp.io;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Adds and removes virtual addresses on an interface with iproute2 ({@code ip -4|-6 addr add|del}), the way an
 * operator would, so that {@code ip addr} shows exactly what Tandem did.
 *
 * <p>Adding an address that is there and removing one that is not are not errors (they answer false): VRRP
 * re-asserts its addresses on every transition. IPv6 addresses are added {@code nodad}, usable at once (a VIP that
 * moves would otherwise fail duplicate detection against the old master, or wait a second for it). Every call runs
 * {@code ip} as a child process and waits for it, up to a timeout: call from a plain thread, never an event loop.
 * A failure is an {@link IOException} with one line: the command and what {@code ip} said.
 */
public final class VipManager {

    /** A virtual address with its prefix length, as in {@code 198.18.0.100/24}. */
    public record Vip(InetAddress address, int prefixLength) {
        public Vip {
            Objects.requireNonNull(address, "address");
            int max = address instanceof Inet6Address ? 128 : 32;
            if (prefixLength < 0 || prefixLength > max) {
                throw new IllegalArgumentException("prefix length must be 0.." + max + ": " + prefixLength);
            }
        }

        /** {@code 198.18.0.100/24}, {@code 2001:2::100/64}; no prefix: /32 or /128. Literals only, never DNS. */
        public static Vip parse(String text) {
            String s = text.strip();
            int slash = s.indexOf('/');
            String ip = slash < 0 ? s : s.substring(0, slash);
            if (ip.isEmpty() || !(ip.indexOf(':') >= 0 || ip.chars().allMatch(c -> c == '.' || Character.isDigit(c)))) {
                throw new IllegalArgumentException("not an IP address: '" + text + "'");
            }
            InetAddress address;
            try {
                address = InetAddress.getByName(ip);
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("not an IP address: '" + text + "'");
            }
            int max = address instanceof Inet6Address ? 128 : 32;
            try {
                return new Vip(address, slash < 0 ? max : Integer.parseInt(s.substring(slash + 1)));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not a prefix length in '" + text + "'");
            }
        }

        public boolean isIpv6() {
            return address instanceof Inet6Address;
        }

        @Override
        public String toString() {
            String ip = address.getHostAddress();
            int percent = ip.indexOf('%');
            return (percent < 0 ? ip : ip.substring(0, percent)) + "/" + prefixLength;
        }
    }

    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "vrrp-ip-watchdog");
        t.setDaemon(true);
        return t;
    });

    private final List<String> ipCommand;
    private final Duration timeout;

    /** {@code ip} from the PATH, 5 s per command. */
    public VipManager() {
        this(List.of("ip"), Duration.ofSeconds(5));
    }

    /**
     * @param ipCommand how to run iproute2, e.g. {@code [ip]}, {@code [/usr/sbin/ip]} or, in a lab, {@code [ip, -n, NS]}
     * @param timeout   how long one command may take before it is killed and reported
     */
    public VipManager(List<String> ipCommand, Duration timeout) {
        if (ipCommand.isEmpty()) {
            throw new IllegalArgumentException("ipCommand is empty");
        }
        this.ipCommand = List.copyOf(ipCommand);
        this.timeout = Objects.requireNonNull(timeout, "timeout");
    }

    /** Adds {@code vip} to {@code interfaceName}. @return true if added, false if it was there already */
    public boolean add(String interfaceName, Vip vip) throws IOException {
        return add(interfaceName, vip, null);
    }

    /**
     * Adds {@code vip} with an IPv4 label ({@code eth0:vip}: it must start with the interface name, at most 15
     * characters; ignored for IPv6, which has no labels). @return true if added, false if it was there already
     */
    public boolean add(String interfaceName, Vip vip, String label) throws IOException {
        List<String> args = new ArrayList<>(List.of(vip.isIpv6() ? "-6" : "-4", "addr", "add", vip.toString(),
                "dev", checkName(interfaceName)));
        if (vip.isIpv6()) {
            args.add("nodad");
        } else if (label != null) {
            if (!label.startsWith(interfaceName) || label.length() > 15) {
                throw new IllegalArgumentException("label '" + label + "' must start with '" + interfaceName
                        + "' and have at most 15 characters");
            }
            args.addAll(List.of("label", label));
        }
        Result r = run(args);
        if (r.exitCode == 0) {
            return true;
        }
        if (r.says("file exists", "already assigned")) { // older kernels / 6.x extack
            return false;
        }
        throw r.failure();
    }

    /** Removes {@code vip} from {@code interfaceName}. @return true if removed, false if it was not there */
    public boolean remove(String interfaceName, Vip vip) throws IOException {
        Result r = run(List.of(vip.isIpv6() ? "-6" : "-4", "addr", "del", vip.toString(), "dev",
                checkName(interfaceName)));
        if (r.exitCode == 0) {
            return true;
        }
        if (r.says("cannot assign requested address", "address not found")) { // older kernels / 6.x extack
            return false;
        }
        throw r.failure();
    }

    /**
     * At startup, before VRRP runs: removes from {@code interfaceName} those of {@code vips} that it holds (left
     * there by a previous run that crashed, or by hand). @return the addresses removed
     */
    public List<Vip> removeStale(String interfaceName, Collection<Vip> vips) throws IOException {
        List<Vip> present = addresses(interfaceName);
        List<Vip> removed = new ArrayList<>();
        for (Vip vip : vips) {
            if (present.stream().anyMatch(p -> p.address().equals(vip.address())) && remove(interfaceName, vip)) {
                removed.add(vip);
            }
        }
        return removed;
    }

    /** Whether {@code interfaceName} holds {@code address} (any prefix length). */
    public boolean holds(String interfaceName, InetAddress address) throws IOException {
        return addresses(interfaceName).stream().anyMatch(v -> v.address().equals(address));
    }

    /** The addresses on {@code interfaceName}, IPv4 then IPv6, from {@code ip -o addr show dev IFACE}. */
    public List<Vip> addresses(String interfaceName) throws IOException {
        Result r = run(List.of("-o", "addr", "show", "dev", checkName(interfaceName)));
        if (r.exitCode != 0) {
            throw r.failure();
        }
        return parseAddresses(r.output);
    }

    /** The addresses in {@code ip -o addr show} output: the word after "inet" or "inet6" on each line. */
    static List<Vip> parseAddresses(String ipOutput) {
        List<Vip> out = new ArrayList<>();
        for (String line : ipOutput.split("\n")) {
            String[] words = line.trim().split("\\s+");
            for (int i = 0; i + 1 < words.length; i++) {
                if (words[i].equals("inet") || words[i].equals("inet6")) {
                    out.add(Vip.parse(words[i + 1]));
                    break;
                }
            }
        }
        return out;
    }

    private static String checkName(String interfaceName) {
        Libc.ifname(interfaceName); // same rule as the sockets: non-empty, < 16 characters, no '/' or space
        return interfaceName;
    }

    private record Result(String command, int exitCode, String output) {
        boolean says(String... phrases) {
            String text = output.toLowerCase(Locale.ROOT);
            return Arrays.stream(phrases).anyMatch(text::contains);
        }

        IOException failure() {
            String said = output.strip().replaceAll("\\s*\n\\s*", "; ");
            return new IOException(command + ": " + (said.isEmpty() ? "exit code " + exitCode : said));
        }
    }

    private Result run(List<String> args) throws IOException {
        List<String> command = new ArrayList<>(ipCommand);
        command.addAll(args);
        String shown = String.join(" ", command);
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        } catch (IOException e) {
            throw new IOException(shown + ": cannot run " + ipCommand.get(0) + " (is iproute2 installed?): "
                    + e.getMessage(), e);
        }
        ScheduledFuture<?> kill = WATCHDOG.schedule(process::destroyForcibly, timeout.toMillis(), TimeUnit.MILLISECONDS);
        String output;
        int exit;
        try (InputStream in = process.getInputStream()) {
            output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new IOException(shown + ": no answer within " + timeout.toMillis() + " ms");
            }
            exit = process.exitValue();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException(shown + ": interrupted", e);
        } finally {
            kill.cancel(false);
        }
        if (kill.isDone() && !kill.isCancelled()) {
            throw new IOException(shown + ": no answer within " + timeout.toMillis() + " ms (killed)");
        }
        return new Result(shown, exit, output);
    }
}
