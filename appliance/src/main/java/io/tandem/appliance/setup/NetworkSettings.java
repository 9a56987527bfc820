package io.tandem.appliance.setup;

import io.tandem.core.config.HostPort;
import io.tandem.core.config.VirtualAddress;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The host name and the management interface's address, written the Debian way with ifupdown: {@code /etc/hostname},
 * the {@code 127.0.1.1} line of {@code /etc/hosts}, and {@code /etc/network/interfaces.d/IFACE}. Kept apart from
 * the load balancer's config: the wizard writes these only when asked to ({@code --apply-network}, as on the image's
 * first boot), and otherwise prints them for the operator to set.
 */
record NetworkSettings(String hostname, String iface, VirtualAddress address, InetAddress gateway) {
    static final Path INTERFACES = Path.of("/etc/network/interfaces");
    private static final Path INTERFACES_D = Path.of("/etc/network/interfaces.d");
    private static final Path HOSTNAME = Path.of("/etc/hostname");
    private static final Path HOSTS = Path.of("/etc/hosts");
    private static final String LOOPBACK_NAME = "127.0.1.1";

    static NetworkSettings of(Answers answers) {
        return new NetworkSettings(answers.hostname(), answers.managementInterface(), answers.address(),
                answers.gateway());
    }

    /** ifupdown's stanza for the interface. */
    String stanza() {
        StringBuilder s = new StringBuilder("# Written by tandem setup.\nauto ").append(iface).append('\n');
        if (address == null) {
            s.append("iface ").append(iface).append(" inet dhcp\n");
        } else {
            s.append("iface ").append(iface).append(address.isIpv4() ? " inet" : " inet6").append(" static\n");
            s.append("    address ").append(address).append('\n');
            if (gateway != null) {
                s.append("    gateway ").append(HostPort.text(gateway)).append('\n');
            }
        }
        return s.toString();
    }

    Path interfaceFile() {
        return INTERFACES_D.resolve(iface);
    }

    /** {@code hosts} with this host name on its {@code 127.0.1.1} line (Debian's line for the host's own name). */
    String hosts(String hosts) {
        String line = LOOPBACK_NAME + "\t" + hostname;
        List<String> lines = new ArrayList<>(hosts.lines().toList());
        boolean replaced = false;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith(LOOPBACK_NAME + " ") || lines.get(i).startsWith(LOOPBACK_NAME + "\t")) {
                lines.set(i, line);
                replaced = true;
            }
        }
        if (!replaced) {
            lines.add(line);
        }
        return String.join("\n", lines) + "\n";
    }

    /** What the settings are, file by file, indented under a heading line. */
    List<String> describe() {
        List<String> lines = new ArrayList<>();
        lines.add("  " + HOSTNAME + ": " + hostname);
        lines.add("  " + HOSTS + ": " + LOOPBACK_NAME + " " + hostname);
        lines.add("  " + interfaceFile() + ":");
        stanza().lines().filter(l -> !l.startsWith("#")).forEach(l -> lines.add("    " + l));
        return lines;
    }

    /**
     * Writes the files and brings the interface up with them: down with its old settings first (ifdown reads the
     * file it was brought up with), then the new file, then up. Returns false when a step failed (said on
     * {@code out}).
     */
    boolean apply(PrintStream out) throws IOException {
        boolean ok = true;
        String existing = Files.readString(INTERFACES);
        if (Pattern.compile("(?m)^\\s*(iface|auto|allow-hotplug)\\s+" + Pattern.quote(iface) + "\\b").matcher(existing)
                .find()) {
            out.println("Warning: " + INTERFACES + " also configures " + iface + "; remove its lines there, or"
                    + " ifupdown sees two definitions.");
        }
        AtomicFile.write(HOSTNAME, hostname + "\n", "rw-r--r--", null, true);
        AtomicFile.write(HOSTS, hosts(Files.exists(HOSTS) ? Files.readString(HOSTS) : ""), "rw-r--r--", null, true);
        out.println("Wrote " + HOSTNAME + " and " + HOSTS);
        if (Commands.exists("hostname")) {
            ok &= Commands.run(out, List.of("hostname", hostname), 10) == 0;
        }
        if (Commands.exists("ifdown")) {
            Commands.run(out, List.of("ifdown", "--force", iface), 30);
        }
        // No IFACE.bak: /etc/network/interfaces sources every file in interfaces.d, so a backup there would define
        // the interface a second time.
        AtomicFile.write(interfaceFile(), stanza(), "rw-r--r--", null, false);
        out.println("Wrote " + interfaceFile());
        if (Commands.exists("ifup")) {
            ok &= Commands.run(out, List.of("ifup", iface), 90) == 0;
        } else {
            out.println("ifup is not installed: bring " + iface + " up yourself (apt install ifupdown, then ifup "
                    + iface + ")");
            ok = false;
        }
        return ok;
    }
}
