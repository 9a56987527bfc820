package io.tandem.appliance.setup;

import io.tandem.core.config.HostPort;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;

/** What the wizard reads about this host: its name, its network interfaces and their current addresses. */
final class HostFacts {
    private static final Path NET = Path.of("/sys/class/net");
    private static final Path KERNEL_HOSTNAME = Path.of("/proc/sys/kernel/hostname");
    private static final String FALLBACK_HOSTNAME = "tandem";

    private HostFacts() {
    }

    /** The interfaces in /sys/class/net but loopback, sorted by name. */
    static List<String> interfaces() {
        try (Stream<Path> entries = Files.list(NET)) {
            return entries.map(p -> p.getFileName().toString()).filter(name -> !name.equals("lo")).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** The running host name when it is a valid one, else {@code tandem}. */
    static String hostname() {
        try {
            return Checks.hostname(Files.readString(KERNEL_HOSTNAME).strip());
        } catch (IOException | BadAnswer e) {
            return FALLBACK_HOSTNAME;
        }
    }

    /** The addresses {@code iface} has now, link-local ones left out, as the URLs print them. */
    static List<String> addresses(String iface) {
        try {
            NetworkInterface network = NetworkInterface.getByName(iface);
            if (network == null) {
                return List.of();
            }
            return Collections.list(network.getInetAddresses()).stream()
                    .filter(a -> !a.isLinkLocalAddress())
                    .map(HostFacts::withoutZone)
                    .toList();
        } catch (SocketException e) {
            return List.of();
        }
    }

    private static String withoutZone(InetAddress address) {
        String text = HostPort.text(address);
        int zone = text.indexOf('%');
        return address instanceof Inet6Address && zone >= 0 ? text.substring(0, zone) : text;
    }
}
