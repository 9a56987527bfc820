package io.tandem.appliance.setup;

import io.tandem.core.testing.Await;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real {@code tandem setup} of the packaged distribution, answered through a pipe (its plain, dumb-terminal
 * mode) or a pseudo-terminal, as the image's boot test answers it over the serial console.
 */
class SetupWizardIT {
    private static final Path LAUNCHER = Path.of(System.getProperty("tandem.home", "target/tandem"), "bin/tandem");
    private static String iface;

    @TempDir
    Path dir;

    @BeforeAll
    static void firstInterface() throws IOException {
        try (Stream<Path> entries = Files.list(Path.of("/sys/class/net"))) {
            iface = entries.map(p -> p.getFileName().toString()).filter(n -> !n.equals("lo")).sorted().findFirst()
                    .orElseThrow(() -> new AssertionError("this host has no network interface besides lo"));
        }
    }

    /** A running {@code tandem setup}: its output so far, its input, its exit. */
    private static final class Wizard implements AutoCloseable {
        private final Process process;
        private final StringBuffer output = new StringBuffer();
        private final OutputStream input;

        Wizard(List<String> command, String term) throws IOException {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
            if (term == null) {
                builder.environment().remove("TERM");
            } else {
                builder.environment().put("TERM", term);
            }
            process = builder.start();
            input = process.getOutputStream();
            Thread reader = new Thread(() -> copy(process.getInputStream()), "wizard-output");
            reader.setDaemon(true);
            reader.start();
        }

        static Wizard start(String... args) throws IOException {
            // A JVM started with SIGINT ignored (a background job of a script) keeps it ignored; reset it.
            List<String> command = new ArrayList<>(List.of("env", "--default-signal=INT", LAUNCHER.toString(),
                    "setup"));
            command.addAll(Arrays.asList(args));
            return new Wizard(command, null);
        }

        /** The wizard on a pseudo-terminal that script(1) opens, with {@code TERM=xterm}: JLine reads the lines. */
        static Wizard onTerminal(String... args) throws IOException {
            List<String> setup = new ArrayList<>(List.of(LAUNCHER.toString(), "setup"));
            setup.addAll(Arrays.asList(args));
            return new Wizard(List.of("script", "-qec", String.join(" ", setup), "/dev/null"), "xterm");
        }

        /** Keys as a terminal sends them, each answer ended by Enter (CR). */
        void press(String... answers) throws IOException {
            for (String answer : answers) {
                input.write((answer + "\r").getBytes(StandardCharsets.UTF_8));
            }
            input.flush();
        }

        private void copy(InputStream in) {
            byte[] buffer = new byte[4096];
            try {
                for (int n; (n = in.read(buffer)) > 0; ) {
                    output.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
                }
            } catch (IOException ignored) {
                // The process ended.
            }
        }

        void type(String... lines) throws IOException {
            for (String line : lines) {
                input.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            }
            input.flush();
        }

        void endInput() throws IOException {
            input.close();
        }

        String output() {
            return output.toString();
        }

        void awaitOutput(String text) throws InterruptedException {
            Await.until(() -> "no '" + text + "' in the output:\n" + output(), () -> output().contains(text));
        }

        int exit() throws InterruptedException {
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), () -> "setup still running:\n" + output());
            // The output reader may still be draining the pipe.
            Await.until("the output to end", () -> !process.isAlive());
            return process.exitValue();
        }

        long pid() {
            return process.pid();
        }

        @Override
        public void close() {
            process.destroyForcibly();
        }
    }

    /** The answers of a standalone node, for the pool {@code web_pool}. */
    private static String[] standalone() {
        return new String[] {"lb-solo", iface, "198.18.0.11/24", "198.18.0.1", "standalone", "web_pool",
            "198.18.1.21:8080, 198.18.1.22:8080", "8080", "leastconn", "/healthz"};
    }

    private static String[] firstNode() {
        return new String[] {"lb-a", iface, "198.18.0.11/24", "198.18.0.1", "first", "198.18.0.100/24", "", "51",
            "", "198.18.0.12", "app", "198.18.1.21:8080", "", "roundrobin", "tcp"};
    }

    private Path config() {
        return dir.resolve("etc/tandem.yaml");
    }

    private String check(Path file) throws Exception {
        Process check = new ProcessBuilder(LAUNCHER.toString(), "check", "-c", file.toString())
                .redirectErrorStream(true).start();
        String out = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, check.waitFor(), out);
        return out;
    }

    private String finish(Wizard wizard, String... answers) throws Exception {
        wizard.type(answers);
        wizard.type("y");
        int exit = wizard.exit();
        assertEquals(0, exit, wizard::output);
        return wizard.output();
    }

    @Test
    void standaloneNodeAnsweredThroughAPipeGetsAConfigThatPassesCheck() throws Exception {
        try (Wizard wizard = Wizard.start("--config", config().toString(), "--no-start")) {
            String out = finish(wizard, standalone());
            assertTrue(out.contains("Hostname [") && out.contains("Management interface [" + iface + "]: "), out);
            assertTrue(out.contains("New file: " + config()), out);
            assertTrue(out.contains("Stats page: http://127.0.0.1:8404/stats (metrics: /metrics) on this node\n"
                    + "Setup complete. Frontend: http://198.18.0.11:8080/\n"), out);
            assertFalse(out.contains("Role (standalone") && out.contains("VRID"), out);
        }
        String yaml = Files.readString(config());
        assertTrue(check(config()).contains("1 frontend(s), 1 backend(s), 2 server(s)"));
        assertTrue(yaml.contains("  name: lb-solo\n"), yaml);
        assertTrue(yaml.contains("bind: \"*:8080\"") && yaml.contains("default-backend: web_pool"), yaml);
        assertTrue(yaml.contains("balance: leastconn"), yaml);
        assertTrue(yaml.contains("check: { http: \"GET /healthz\", expect: status 200"), yaml);
        assertTrue(yaml.contains("web_pool-1: 198.18.1.21:8080\n        web_pool-2: 198.18.1.22:8080\n"), yaml);
        assertFalse(yaml.contains("vrrp:"), yaml);
        assertTrue(yaml.contains("\nadmin:\n") && yaml.contains("  stats: { bind: 127.0.0.1:8404 }\n"), yaml);
        assertFalse(Files.exists(dir.resolve("etc/cluster.key")));
    }

    @Test
    void firstNodeGetsAVrrpInstanceAndAGeneratedSecretShownOnce() throws Exception {
        String out;
        try (Wizard wizard = Wizard.start("--config", config().toString(), "--no-start")) {
            out = finish(wizard, firstNode());
        }
        assertTrue(check(config()).contains("1 VRRP instance(s)"));
        String yaml = Files.readString(config());
        assertTrue(yaml.contains("""
                    VI_1:
                      interface: %s
                      vrid: 51   # the same on both nodes
                      priority: 150
                """.formatted(iface)), yaml);
        assertTrue(yaml.contains("virtual-addresses: [198.18.0.100/24]"), yaml);
        assertTrue(yaml.contains("unicast: { source: 198.18.0.11, peers: [198.18.0.12] }"), yaml);
        assertTrue(yaml.contains("track: { services: [web] }"), yaml);
        Path key = dir.resolve("etc/cluster.key");
        assertTrue(yaml.contains("""

                cluster:
                  # Stick tables and rate counters shared with the other node (docs/cluster.md).
                  name: tandem-vrid-51   # the same on both nodes
                  bind: 198.18.0.11:7800
                  members: [198.18.0.11:7800, 198.18.0.12:7800]
                  secret: "file:%s"
                """.formatted(key.toAbsolutePath())), yaml);

        String secret = Files.readString(key).strip();
        assertEquals(32, java.util.Base64.getDecoder().decode(secret).length);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
        assertEquals(1, out.split(java.util.regex.Pattern.quote(secret), -1).length - 1,
                "the secret is shown exactly once:\n" + out);
        assertTrue(out.contains("Cluster secret: " + secret + "\nType this secret on the second node"), out);
        assertTrue(out.contains("Setup complete. Frontend: http://198.18.0.11:80/ http://198.18.0.100:80/"), out);
    }

    @Test
    void secondNodeTakesTheTypedSecretAndDefaultsToPriority100() throws Exception {
        String secret = "pY3muQHxDAfa31Fk7ZpEAAKthWfo26xZXiFV/OY4WLg=";
        try (Wizard wizard = Wizard.start("--config", config().toString(), "--no-start")) {
            String out = finish(wizard, "lb-b", iface, "dhcp", "second", "198.18.0.100/24, 198.18.0.101/24", iface,
                "51", "", "198.18.0.11", secret, "app", "198.18.1.21:8080", "80", "", "none");
            assertTrue(out.contains("Priority of this node (1-254) [100]: "), out);
            assertTrue(out.contains("Cluster secret (as shown on the first node): "), out);
            assertFalse(out.contains("Default gateway"), "no gateway question with DHCP:\n" + out);
        }
        check(config());
        String yaml = Files.readString(config());
        assertTrue(yaml.contains("priority: 100"), yaml);
        assertTrue(yaml.contains("virtual-addresses: [198.18.0.100/24, 198.18.0.101/24]"), yaml);
        assertTrue(yaml.contains("unicast: { peers: [198.18.0.11] }"), yaml);
        assertFalse(yaml.contains("\ncluster:"), "no cluster bind without this node's own address:\n" + yaml);
        assertTrue(yaml.contains("There is no `cluster:` section:"), yaml);
        assertFalse(yaml.contains("check:"), yaml);
        assertEquals(secret, Files.readString(dir.resolve("etc/cluster.key")).strip());
    }

    @Test
    void badAnswersAreAskedAgainWithTheReason() throws Exception {
        try (Wizard wizard = Wizard.start("--config", config().toString(), "--no-start")) {
            String out = finish(wizard, "lb_b!", "lb-b", "nosuch0", iface, "198.18.0.11/33", "198.18.0.11",
                "198.18.0.11/24", "", "second", "198.18.0.100/24", "", "0", "256", "51", "", "198.18.0.11",
                "198.18.0.12", "c2hvcnQ=", "pY3muQHxDAfa31Fk7ZpEAAKthWfo26xZXiFV/OY4WLg=", "", "", "10.0.0.1:8080",
                "70000", "8080", "", "");
            assertTrue(out.contains("Invalid: 'lb_b!' is not a host name"), out);
            assertTrue(out.contains("Invalid: unknown interface 'nosuch0': this host has " + iface), out);
            assertTrue(out.contains("Invalid: '198.18.0.11/33' is not an address in CIDR form"), out);
            assertTrue(out.contains("Invalid: '198.18.0.11' has no prefix length"), out);
            assertTrue(out.contains("Invalid: 0 is not in 1..255") && out.contains("Invalid: 256 is not in 1..255"),
                    out);
            assertTrue(out.contains("Invalid: 198.18.0.11 is this node's own address; give the other node's"), out);
            assertTrue(out.contains("Invalid: the secret has 44 characters (base64 of 32 bytes, as shown on the first"
                    + " node); this one has 8"), out);
            assertTrue(out.contains("Invalid: an answer is needed here (there is no default)"), out);
            assertTrue(out.contains("Invalid: 70000 is not in 1..65535"), out);
            // Each bad answer is followed by the same question again.
            assertTrue(out.contains("Invalid: 256 is not in 1..255\nVRID, the same on both nodes (1-255) [51]: "), out);
        }
        String yaml = Files.readString(config());
        assertTrue(yaml.contains("bind: \"*:8080\"") && yaml.contains("vrid: 51"), yaml);
        check(config());
    }

    @Test
    void endOfInputMidwayWritesNothing() throws Exception {
        try (Wizard wizard = Wizard.start("--config", config().toString(), "--no-start")) {
            wizard.type("lb-a", iface, "198.18.0.11/24");
            wizard.endInput();
            assertEquals(1, wizard.exit());
            assertTrue(wizard.output().contains("Setup cancelled: nothing was written."), wizard.output());
        }
        assertFalse(Files.exists(dir.resolve("etc")), "nothing written, not even the directory");
    }

    @Test
    void ctrlCMidwayWritesNothing() throws Exception {
        try (Wizard wizard = Wizard.start("--config", config().toString(), "--no-start")) {
            wizard.type("lb-a", iface, "198.18.0.11/24", "", "first");
            wizard.awaitOutput("Virtual address(es) (CIDR, comma-separated): ");
            Process kill = new ProcessBuilder("kill", "-INT", String.valueOf(wizard.pid())).start();
            assertEquals(0, kill.waitFor());
            assertEquals(130, wizard.exit());
            assertTrue(wizard.output().contains("Setup cancelled: nothing was written."), wizard.output());
        }
        assertFalse(Files.exists(dir.resolve("etc")), "nothing written, not even the directory");
    }

    @Test
    void declinedApplyWritesNothing() throws Exception {
        try (Wizard wizard = Wizard.start("--config", config().toString(), "--no-start")) {
            wizard.type(standalone());
            wizard.type("n");
            assertEquals(1, wizard.exit());
            assertTrue(wizard.output().contains("Apply? [y/N]: n\nNot applied: nothing was written."),
                    wizard.output());
        }
        assertFalse(Files.exists(config()));
    }

    @Test
    void theDiffIsShownAgainstTheExistingFileWhichIsKeptAsBak() throws Exception {
        Files.createDirectories(config().getParent());
        try (Wizard wizard = Wizard.start("--config", config().toString(), "--no-start")) {
            assertTrue(finish(wizard, standalone()).contains("to start it, systemctl enable tandem; systemctl restart"
                    + " tandem"), "a new file's global settings need a restart");
        }
        String before = Files.readString(config());
        String[] answers = standalone();
        answers[7] = "8081";
        try (Wizard wizard = Wizard.start("--config", config().toString(), "--no-start")) {
            String out = finish(wizard, answers);
            assertTrue(out.contains("--- " + config() + "\n+++ " + config() + " (new)\n@@ -"), out);
            assertTrue(out.contains("\n-      bind: \"*:8080\"\n+      bind: \"*:8081\"\n"), out);
            assertTrue(out.contains("Wrote " + config() + " (the previous file is " + config() + ".bak)"), out);
            assertTrue(out.contains("systemctl reload-or-restart tandem"), "same globals: a reload applies it\n" + out);
        }
        assertEquals(before, Files.readString(dir.resolve("etc/tandem.yaml.bak")));
        assertTrue(Files.readString(config()).contains("bind: \"*:8081\""));
        try (Stream<Path> files = Files.list(config().getParent())) {
            assertEquals(List.of("tandem.yaml", "tandem.yaml.bak"), files.map(p -> p.getFileName().toString())
                    .sorted().toList(), "no temporary file left");
        }
    }

    @Test
    void answersFileSetsUpAFirstNodeUnattended() throws Exception {
        Path answers = dir.resolve("answers.txt");
        Files.writeString(answers, """
                # first node
                hostname=lb-a
                interface=%s
                address=198.18.0.11/24
                gateway=198.18.0.1
                role=first
                vips=198.18.0.100/24
                vrid=42
                peer=198.18.0.12
                servers=198.18.1.21:8080, 198.18.1.22:8080
                check=/healthz
                """.formatted(iface));
        try (Wizard wizard = Wizard.start("--answers", answers.toString(), "--config", config().toString(),
                "--no-start")) {
            wizard.endInput();
            assertEquals(0, wizard.exit(), wizard::output);
            assertFalse(wizard.output().contains("Apply?"), wizard.output());
            assertTrue(wizard.output().contains("Cluster secret: "), wizard.output());
        }
        check(config());
        String yaml = Files.readString(config());
        assertTrue(yaml.contains("vrid: 42") && yaml.contains("priority: 150"), yaml);
        assertTrue(Files.exists(dir.resolve("etc/cluster.key")));
    }

    @Test
    void answersFileInYamlWithListsSetsUpASecondNode() throws Exception {
        Path answers = dir.resolve("answers.yaml");
        Files.writeString(answers, """
                hostname: lb-b
                interface: %s
                role: second
                vips: [198.18.0.100/24]
                peer: 198.18.0.11
                secret: pY3muQHxDAfa31Fk7ZpEAAKthWfo26xZXiFV/OY4WLg=
                servers:
                  - 198.18.1.21:8080
                  - "[2001:db8::21]:8080"
                """.formatted(iface));
        try (Wizard wizard = Wizard.start("--answers", answers.toString(), "--config", config().toString(),
                "--no-start")) {
            assertEquals(0, wizard.exit(), wizard::output);
        }
        check(config());
        String yaml = Files.readString(config());
        assertTrue(yaml.contains("priority: 100"), yaml);
        assertTrue(yaml.contains("app-2: \"[2001:db8::21]:8080\""), yaml);
    }

    @Test
    void answersFileWithABadKeyFailsNamingTheKeyAndWritesNothing() throws Exception {
        Path answers = dir.resolve("answers.txt");
        Files.writeString(answers, """
                hostname=lb-a
                interface=%s
                role=first
                vips=198.18.0.100/24
                vrd=51
                priority=255
                peer=198.18.0.12
                servers=198.18.1.21:8080
                """.formatted(iface));
        try (Wizard wizard = Wizard.start("--answers", answers.toString(), "--config", config().toString(),
                "--no-start")) {
            assertEquals(1, wizard.exit());
            String out = wizard.output();
            assertTrue(out.contains(answers + ":5: unknown key 'vrd'; did you mean 'vrid'?"), out);
            assertTrue(out.contains(answers + ":6: priority: 255 is not in 1..254"), out);
            assertTrue(out.contains("error(s) in " + answers + "; nothing was written."), out);
            assertFalse(out.contains("Cluster secret"), "no secret shown when none is written:\n" + out);
        }
        assertFalse(Files.exists(dir.resolve("etc")));
    }

    @Test
    void answersFileKeyThatTheRoleDoesNotUseIsAnError() throws Exception {
        Path answers = dir.resolve("answers.txt");
        Files.writeString(answers, "interface=%s\nrole=standalone\nvrid=51\nservers=198.18.1.21:8080\n"
                .formatted(iface));
        try (Wizard wizard = Wizard.start("--answers", answers.toString(), "--config", config().toString(),
                "--no-start")) {
            assertEquals(1, wizard.exit());
            assertTrue(wizard.output().contains(answers + ":3: vrid: not used with these answers (it is only for a"
                    + " pair: role first or second)"), wizard.output());
        }
        assertFalse(Files.exists(dir.resolve("etc")));
    }

    @Test
    void onATerminalBackspaceAndCtrlAEditTheLine() throws Exception {
        try (Wizard wizard = Wizard.onTerminal("--config", config().toString(), "--no-start")) {
            wizard.awaitOutput("Hostname [");
            // "lb-ax" and backspace is "lb-a"; "ool", Ctrl-A (to the start of the line) and "p" is "pool" only where
            // the line is edited (the kernel's line discipline would pass the Ctrl-A on).
            wizard.press("lb-ax\u007f");
            wizard.awaitOutput("Management interface [");
            wizard.press(iface, "198.18.0.11/24", "", "standalone", "ool\u0001p", "198.18.1.21:8080", "", "", "");
            wizard.awaitOutput("Apply? [y/N]: ");
            wizard.press("y");
            assertEquals(0, wizard.exit(), wizard::output);
        }
        String yaml = Files.readString(config());
        assertTrue(yaml.contains("  name: lb-a\n"), yaml);
        assertTrue(yaml.contains("default-backend: pool\n"), yaml);
    }

    @Test
    void onATerminalCtrlCCancelsAndWritesNothing() throws Exception {
        try (Wizard wizard = Wizard.onTerminal("--config", config().toString(), "--no-start")) {
            wizard.awaitOutput("Hostname [");
            wizard.press("lb-a");
            wizard.awaitOutput("Management interface [");
            wizard.press("\u0003");
            wizard.awaitOutput("Setup cancelled: nothing was written.");
            assertEquals(130, wizard.exit(), wizard::output); // script -e passes the wizard's status on
        }
        assertFalse(Files.exists(dir.resolve("etc")));
    }
}
