package io.tandem.appliance.setup;

import io.tandem.appliance.CheckedConfig;
import io.tandem.appliance.TandemCli;
import io.tandem.core.config.ClusterConfig;
import io.tandem.core.config.ConfigError;
import io.tandem.core.config.ConfigLoader;
import io.tandem.core.config.HostPort;
import io.tandem.core.config.StatsConfig;
import io.tandem.core.config.VirtualAddress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;

/**
 * {@code tandem setup}: asks the node's questions (or reads them from {@code --answers}), builds and checks its
 * config, shows the diff, and on confirmation writes it atomically with the pair's secret, optionally the network
 * settings, and starts the service. Nothing is written before the confirmation.
 */
@Command(name = "setup", mixinStandardHelpOptions = true,
        description = "Set up this node: ask a few questions (or read them from --answers FILE), write the config "
                + "after the same check as tandem check and a diff you confirm, and start the service. "
                + "See docs/setup-wizard.md.")
public final class SetupCommand implements Callable<Integer> {
    static final String KEY_FILE = "cluster.key";
    /** Where the check before apply finds the secret (the config's own {@code file:} does not exist yet). */
    private static final String SECRET_VARIABLE = "TANDEM_SETUP_CLUSTER_SECRET";
    private static final String OWNER = "tandem";

    @Option(names = "--config", paramLabel = "PATH", description = "Write this file (default: "
            + TandemCli.DEFAULT_CONFIG + "); the cluster secret goes beside it as " + KEY_FILE + ".")
    Path config = Path.of(TandemCli.DEFAULT_CONFIG);

    @Option(names = "--answers", paramLabel = "FILE", description = "Take every answer from FILE (key=value lines "
            + "or YAML) instead of asking; exit 1 without writing on any bad answer.")
    Path answers;

    @Option(names = "--yes", description = "Apply without asking for confirmation.")
    boolean yes;

    @Option(names = "--no-start", description = "Write the files but do not enable or start the service.")
    boolean noStart;

    @Option(names = "--apply-network", description = "Also write the host name and the management interface's "
            + "address (ifupdown) and bring the interface up with them; without it they are only printed.")
    boolean applyNetwork;

    @Override
    public Integer call() {
        PrintStream out = System.out;
        if (applyNetwork && !Files.exists(NetworkSettings.INTERFACES)) {
            System.err.println("tandem setup: --apply-network writes ifupdown's files, but "
                    + NetworkSettings.INTERFACES
                    + " is missing here (apt install ifupdown, or set the network yourself and leave the option out)");
            return 1;
        }
        Path writable = config.toAbsolutePath().getParent();
        while (writable != null && !Files.exists(writable)) {
            writable = writable.getParent();
        }
        if (writable == null || !Files.isWritable(writable)) {
            // Said before the questions rather than after them.
            System.err.println("tandem setup: cannot write " + config + " (" + writable + " is not writable): run it as "
                    + "root, e.g. sudo tandem setup");
            return 1;
        }
        Interrupts interrupts = new Interrupts(out);
        LineConsole console = null;
        try {
            AnswerSource source;
            AnswersFile file = null;
            if (answers != null) {
                file = AnswersFile.read(answers, out);
                source = file;
                Interrupts.onSigint(interrupts::interrupted);
            } else {
                console = Consoles.open(System.in, out);
                console.onInterrupt(interrupts::interrupted);
                source = new ConsoleAnswers(console);
                console.println("Tandem setup: answer each question and press Enter; an empty answer takes the default"
                        + " in [brackets].");
                console.println("Nothing is written until you confirm at the end; Ctrl-C cancels.");
            }
            Answers answered = new Interview(source, HostFacts.hostname(), HostFacts.interfaces(), new SecureRandom())
                    .run();
            if (file != null && !file.errors().isEmpty()) {
                file.errors().forEach(System.err::println);
                System.err.println("tandem setup: " + file.errors().size() + " error(s) in " + answers
                        + "; nothing was written.");
                return 1;
            }
            return review(answered, console, file, out, interrupts);
        } catch (SetupCancelled cancelled) {
            out.println(Interrupts.CANCELLED);
            return cancelled.exitCode();
        } catch (IOException e) {
            System.err.println("tandem setup: " + describe(e));
            return 1;
        } finally {
            if (console != null) {
                console.close();
            }
        }
    }

    /** Builds, checks and shows the config, asks to apply, and applies. */
    private int review(Answers answered, LineConsole console, AnswersFile file, PrintStream out,
                       Interrupts interrupts)
            throws SetupCancelled, IOException {
        Path keyFile = config.toAbsolutePath().getParent().resolve(KEY_FILE);
        String yaml = NodeConfig.yaml(answered, config, keyFile);
        // The key file is written on apply: the check reads the same text with the secret from a variable.
        String checkedYaml = NodeConfig.yaml(answered, config, keyFile, "${" + SECRET_VARIABLE + "}");
        CheckedConfig checked = CheckedConfig.of(ConfigLoader.parse(config.toString(), checkedYaml,
                answered.secret() == null ? Map.of() : Map.of(SECRET_VARIABLE, answered.secret().text())));
        if (!checked.ok()) {
            for (ConfigError error : checked.errors()) {
                System.err.println(error);
            }
            System.err.println("tandem setup: the config built from these answers fails the check (above); nothing was"
                    + " written.");
            return 1;
        }
        checked.hostWarnings().forEach(out::println);

        out.println();
        NetworkSettings network = NetworkSettings.of(answered);
        out.println(applyNetwork ? "Network (written on apply, --apply-network):"
                : "Network: not changed (use --apply-network to write these):");
        network.describe().forEach(out::println);
        out.println();
        out.print(diff(yaml));
        if (answered.role().pair()) {
            out.println("Cluster secret: written to " + keyFile + " (mode 0600) on apply."
                    + (NodeConfig.ownAddress(answered) != null ? "" : " The config has no `cluster:` section: its bind"
                    + " is this node's own address, which DHCP gives (docs/cluster.md)."));
        }
        if (!yes && console != null) {
            String reply = console.readLine("Apply? [y/N]: ").strip();
            if (!reply.equalsIgnoreCase("y") && !reply.equalsIgnoreCase("yes")) {
                out.println("Not applied: nothing was written.");
                return 1;
            }
        }
        interrupts.applying();
        boolean restartNeeded = restartNeeded(checked);
        return apply(answered, checked, yaml, keyFile, network, file == null ? null : file.newSecret(), restartNeeded,
                out);
    }

    /**
     * True unless the file there now has the same {@code global} settings and {@code cluster} section as the new one:
     * a reload keeps those at their running values, so only a restart applies a change of them.
     */
    private boolean restartNeeded(CheckedConfig next) {
        if (!Files.exists(config)) {
            return true;
        }
        CheckedConfig now = CheckedConfig.load(config);
        if (now.config() == null || !now.config().global().equals(next.config().global())) {
            return true;
        }
        ClusterConfig was = now.config().cluster();
        ClusterConfig will = next.config().cluster();
        // Not the records' equals: their source position moves with the lines above the section.
        return !(Objects.equals(was.name(), will.name()) && Objects.equals(was.bind(), will.bind())
                && was.members().equals(will.members()) && Objects.equals(was.secret(), will.secret())
                && was.share().equals(will.share()));
    }

    private String diff(String yaml) throws IOException {
        if (!Files.exists(config)) {
            return "New file: " + config + "\n" + UnifiedDiff.of("/dev/null", config.toString(), "", yaml);
        }
        String old;
        try {
            old = Files.readString(config);
        } catch (CharacterCodingException e) {
            return "The existing " + config + " is not UTF-8 text; it is replaced (and kept as " + config
                    + ".bak) by:\n" + UnifiedDiff.of("/dev/null", config.toString(), "", yaml);
        }
        String diff = UnifiedDiff.of(config.toString(), config + " (new)", old, yaml);
        return diff.isEmpty() ? "No change to " + config + ".\n" : diff;
    }

    private int apply(Answers answered, CheckedConfig checked, String yaml, Path keyFile, NetworkSettings network,
                      ClusterSecret unshown, boolean restartNeeded, PrintStream out) throws IOException {
        boolean ok = true;
        if (answered.secret() != null) {
            AtomicFile.write(keyFile, answered.secret().text() + "\n", "rw-------", OWNER, true);
            out.println("Wrote " + keyFile + " (mode 0600" + (ownerExists() ? ", owner " + OWNER : "") + ")");
            if (unshown != null) {
                unshown.announcement().forEach(out::println);
            }
        }
        Path backup = AtomicFile.write(config, yaml, "rw-r--r--", null, true);
        out.println("Wrote " + config + (backup == null ? "" : " (the previous file is " + backup + ")"));
        if (applyNetwork) {
            ok &= network.apply(out);
        }
        if (noStart) {
            out.println("Not started (--no-start): to start it, " + ServiceControl.commands(restartNeeded));
        } else if (!config.toAbsolutePath().equals(Path.of(TandemCli.DEFAULT_CONFIG))) {
            out.println("Not started: the service reads " + TandemCli.DEFAULT_CONFIG + ", not " + config
                    + "; run  tandem run -c " + config);
        } else {
            ok &= ServiceControl.start(out, config, restartNeeded);
        }
        StatsConfig stats = checked.config().admin().stats();
        if (stats != null) {
            out.println("Stats page: http://" + stats.bind().address() + stats.pagePath() + " (metrics: "
                    + stats.metricsPath() + ")" + (stats.bind().address().isWildcard() ? "" : " on this node"));
        }
        String where = "Frontend: " + String.join(" ", urls(answered));
        if (ok) {
            out.println("Setup complete. " + where);
            return 0;
        }
        out.println("Setup applied, but a step failed (see above). " + where);
        return 1;
    }

    private static List<String> urls(Answers answered) {
        List<String> hosts = new ArrayList<>();
        if (answered.address() != null) {
            hosts.add(HostPort.text(answered.address().address()));
        } else {
            // Only the addresses the frontend's bind takes.
            HostFacts.addresses(answered.managementInterface()).stream()
                    .filter(address -> NodeConfig.bindsIpv6(answered) || address.indexOf(':') < 0)
                    .forEach(hosts::add);
        }
        for (VirtualAddress vip : answered.vips()) {
            hosts.add(HostPort.text(vip.address()));
        }
        if (hosts.isEmpty()) {
            hosts.add("THIS-NODE");
        }
        return hosts.stream().map(host -> "http://" + new HostPort(host, answered.port()) + "/").toList();
    }

    /** The file exceptions' messages are bare paths: say what went wrong with the path. */
    private static String describe(IOException e) {
        if (e instanceof AccessDeniedException denied) {
            return denied.getFile() + ": permission denied";
        }
        if (e instanceof NoSuchFileException missing) {
            return missing.getFile() + ": no such file or directory";
        }
        return e.getMessage();
    }

    private static boolean ownerExists() {
        try {
            Path.of("/").getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(OWNER);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
