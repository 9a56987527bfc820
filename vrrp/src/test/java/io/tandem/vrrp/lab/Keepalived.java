package io.tandem.vrrp.lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

import io.tandem.core.testing.Prerequisites;

/**
 * keepalived as a peer in a lab: writes its configuration for one node and runs it in the node's namespace in
 * the foreground, VRRP only and without respawning its child ({@code keepalived -n -l -D -P -R}), pid files and log
 * in a new directory of the lab's each start. Stopped by PID (itself and its VRRP child) when closed or when the lab
 * closes.
 */
public final class Keepalived implements AutoCloseable {
    public static final Path BINARY = Path.of("/usr/sbin/keepalived");

    /** One vrrp_instance. {@code advertInt} as keepalived writes it ("1", "0.5"); empty peers: multicast. */
    public record Instance(String name, String iface, int vrid, int priority, int version, String advertInt,
            boolean master, List<String> virtualAddresses, String unicastSource, List<String> unicastPeers) {
        public Instance {
            Objects.requireNonNull(name);
            virtualAddresses = List.copyOf(virtualAddresses);
            unicastPeers = List.copyOf(unicastPeers);
        }

        /** A multicast instance on eth0. */
        public static Instance multicast(int vrid, int priority, int version, String advertInt, boolean master,
                String... vips) {
            return new Instance("VI_" + vrid, Lab.IFACE, vrid, priority, version, advertInt, master, List.of(vips),
                    null, List.of());
        }
    }

    private final Lab.Child process;
    private final Path conf;

    private Keepalived(Lab.Child process, Path conf) {
        this.process = process;
        this.conf = conf;
    }

    /** Fails (CI=true) or skips the test (no CI) unless keepalived is installed. */
    public static void requireInstalled() {
        Prerequisites.requireExecutable(BINARY, "keepalived");
    }

    /** keepalived.conf for these instances (vrrp_version in each instance, as keepalived 2.x reads it). */
    public static String config(String routerId, Instance... instances) {
        StringBuilder b = new StringBuilder();
        b.append("global_defs {\n  router_id ").append(routerId).append("\n}\n");
        for (Instance i : instances) {
            b.append("vrrp_instance ").append(i.name()).append(" {\n")
                    .append("  state ").append(i.master() ? "MASTER" : "BACKUP").append('\n')
                    .append("  interface ").append(i.iface()).append('\n')
                    .append("  virtual_router_id ").append(i.vrid()).append('\n')
                    .append("  priority ").append(i.priority()).append('\n')
                    .append("  version ").append(i.version()).append('\n')
                    .append("  advert_int ").append(i.advertInt()).append('\n');
            b.append("  virtual_ipaddress {\n");
            for (String vip : i.virtualAddresses()) {
                b.append("    ").append(vip).append(" dev ").append(i.iface()).append('\n');
            }
            b.append("  }\n");
            if (i.unicastSource() != null) {
                b.append("  unicast_src_ip ").append(i.unicastSource()).append('\n');
            }
            if (!i.unicastPeers().isEmpty()) {
                b.append("  unicast_peer {\n");
                i.unicastPeers().forEach(p -> b.append("    ").append(p).append('\n'));
                b.append("  }\n");
            }
            b.append("}\n");
        }
        return b.toString();
    }

    /** Starts keepalived (VRRP only) with {@code config} in {@code node}'s namespace. */
    public static Keepalived start(Lab lab, Lab.Node node, String config) {
        requireInstalled();
        Path dir = lab.dir().resolve("keepalived-" + node.name() + "-" + System.nanoTime());
        Path conf = dir.resolve("keepalived.conf");
        try {
            Files.createDirectories(dir);
            Files.writeString(conf, config);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> command = List.of("ip", "netns", "exec", node.ns(), BINARY.toString(),
                "-n", "-l", "-D", "-P", "-R", "-f", conf.toString(),
                "-p", dir.resolve("keepalived.pid").toString(),
                "-r", dir.resolve("vrrp.pid").toString());
        return new Keepalived(lab.start(command, "keepalived-" + node.name()), conf);
    }

    /** What keepalived logged so far. */
    public String log() {
        return process.output();
    }

    public Path configFile() {
        return conf;
    }

    /** Waits until the log contains {@code text}; fails with the log otherwise. */
    public void awaitLog(String text, Duration timeout) throws InterruptedException {
        process.awaitLog(text, timeout);
    }

    /** kill -9 of keepalived's VRRP process (the one that sends adverts), then of its parent: a hard failure. */
    public void kill9() {
        process.kill9();
    }

    /** SIGTERM to keepalived, not waiting: it sends priority 0 and removes its addresses as it stops. */
    public void sigterm() {
        process.sigterm();
    }

    @Override
    public void close() {
        process.close();
    }
}
