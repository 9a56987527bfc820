package io.tandem.appliance.setup;

import io.tandem.vrrp.lab.Lab;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code tandem setup --apply-network} as on the image's first boot, in namespaces of its own (root): a UTS namespace
 * for the host name, a network namespace with a veth {@code eth0}, and a mount namespace where /etc is an overlay, so
 * the host's /etc and name stay as they are. The files are read from inside before the namespaces go.
 */
class SetupApplyNetworkIT {
    private static final Path LAUNCHER = Path.of(System.getProperty("tandem.home", "target/tandem"), "bin/tandem");

    @TempDir
    Path dir;

    @Test
    void applyNetworkWritesTheHostnameHostsAndReplacesTheInterfaceStanzaWithoutABackupBesideIt() throws Exception {
        Lab.requireRoot();
        Path answers = dir.resolve("answers.txt");
        Files.writeString(answers, """
                hostname=lb-lab
                interface=eth0
                address=198.18.5.11/24
                gateway=198.18.5.1
                servers=198.18.5.21:8080
                """);
        Path overlay = Files.createDirectories(dir.resolve("overlay"));
        String script = String.join("\n",
                "set -e",
                "mount -t tmpfs tmpfs " + overlay,
                "mkdir -p " + overlay + "/upper " + overlay + "/work",
                "mount -t overlay overlay -o lowerdir=/etc,upperdir=" + overlay + "/upper,workdir=" + overlay
                        + "/work /etc",
                "mkdir -p /etc/network/interfaces.d",
                "printf 'source /etc/network/interfaces.d/*\\nauto lo\\niface lo inet loopback\\n' > "
                        + "/etc/network/interfaces",
                // As the image leaves it before the setup: DHCP on eth0.
                "printf 'allow-hotplug eth0\\niface eth0 inet dhcp\\n' > /etc/network/interfaces.d/eth0",
                "mount -t sysfs sysfs /sys",
                "ip link set lo up",
                "ip link add eth0 type veth peer name eth0-peer",
                "set +e",
                LAUNCHER + " setup --answers " + answers + " --apply-network --no-start --config /etc/tandem-lab/t.yaml",
                "echo \"EXIT=$?\"",
                "echo \"HOSTNAME=$(hostname)\"",
                "echo '--- hostname'; cat /etc/hostname",
                "echo '--- hosts'; grep 127.0.1.1 /etc/hosts",
                "echo '--- stanza'; cat /etc/network/interfaces.d/eth0",
                "echo \"--- files: $(ls -A /etc/network/interfaces.d | tr '\\n' ' ')\"",
                "echo '--- end'");
        Process process = new ProcessBuilder("unshare", "--mount", "--uts", "--net", "--fork", "--propagation",
                "private", "sh", "-c", script).redirectErrorStream(true).start();
        process.getOutputStream().close();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), out);
        assertEquals(0, process.exitValue(), out);

        assertTrue(out.contains("HOSTNAME=lb-lab\n"), "the running host name is set:\n" + out);
        assertTrue(out.contains("--- hostname\nlb-lab\n--- hosts\n127.0.1.1\tlb-lab\n"), out);
        assertTrue(out.contains("--- stanza\n# Written by tandem setup.\nauto eth0\niface eth0 inet static\n"
                + "    address 198.18.5.11/24\n    gateway 198.18.5.1\n--- files: eth0 \n--- end"), out);
        if (Commands.exists("ifup")) {
            assertTrue(out.contains("$ ifdown --force eth0") && out.contains("$ ifup eth0"), out);
        } else {
            assertTrue(out.contains("ifup is not installed: bring eth0 up yourself"), out);
            assertTrue(out.contains("Setup applied, but a step failed (see above)") && out.contains("EXIT=1"), out);
        }
    }
}
