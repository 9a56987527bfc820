package io.tandem.appliance;

import io.tandem.appliance.admin.AdminClient;
import io.tandem.appliance.setup.SetupCommand;
import io.tandem.core.config.AdminConfig;
import io.tandem.core.config.ConfigError;
import io.tandem.core.config.ConfigLoader;
import io.tandem.core.config.ConfigValues;
import io.tandem.core.config.LoadResult;
import io.tandem.core.net.EventLoops;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** The {@code tandem} command: run the daemon, check a config, talk to a running daemon, run the demo, set up a node, print the version. */
@Command(name = "tandem", mixinStandardHelpOptions = true, versionProvider = TandemCli.VersionProvider.class,
        description = "Load balancer configured like HAProxy, in one YAML file: an HTTP/1.1 reverse proxy (L7), TCP and "
                + "UDP proxying (L4), health checks, stick tables, and VRRP failover between two nodes.",
        subcommands = {TandemCli.Run.class, TandemCli.Check.class, TandemCli.Ctl.class, TandemCli.Demo.class,
                SetupCommand.class, TandemCli.JvmOptions.class, TandemCli.VersionCommand.class, CommandLine.HelpCommand.class})
public final class TandemCli implements Runnable {
    private static final System.Logger LOG = System.getLogger(TandemCli.class.getName());
    /** The config file the commands and the service use unless told otherwise. */
    public static final String DEFAULT_CONFIG = "/etc/tandem/tandem.yaml";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line and returns its exit code (0 ok, 1 failed, 2 usage). */
    static int execute(String... args) {
        return new CommandLine(new TandemCli()).execute(args);
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(),
                "a command is required: run, check, ctl, demo, setup or version");
    }

    /** {@code tandem run}: the daemon in the foreground. */
    @Command(name = "run", mixinStandardHelpOptions = true,
            description = "Run the load balancer in the foreground, logging to stdout/stderr. SIGTERM or SIGINT "
                    + "drains in-flight requests (up to global.hard-stop-after), then exits 0; a second one stops at once. "
                    + "SIGHUP reloads the file without dropping a connection (one that fails the check changes nothing).")
    static final class Run extends ConfigFileCommand {
        @Option(names = {"-v", "--verbose"}, description = "Log debug events too.")
        boolean verbose;

        @Override
        public Integer call() throws Exception {
            OperatorLogFormat.install(verbose);
            // Before anything else, so that no signal finds the JVM's defaults (SIGHUP would end it with 129).
            Signals signals = Signals.install(true);
            LOG.log(System.Logger.Level.INFO, "tandem " + Version.text() + " starting from " + config + " (pid "
                    + ProcessHandle.current().pid() + ")");
            CheckedConfig checked = checked();
            if (!checked.ok()) {
                System.err.println("tandem: not started: fix the " + checked.errors().size()
                        + " error(s) above (tandem check -c " + config + ")");
                return 1;
            }
            return runUntilSignalled(signals, checked, config);
        }
    }

    /** {@code tandem check}: validates a config like {@code haproxy -c}. */
    @Command(name = "check", mixinStandardHelpOptions = true,
            description = "Check a config file: exit 0 with a one-line summary, 1 with every error as "
                    + "FILE:LINE:COL: message, 2 for a usage error.")
    static final class Check extends ConfigFileCommand {
        @Override
        public Integer call() {
            CheckedConfig checked = checked();
            if (!checked.ok()) {
                return 1;
            }
            checked.warnings().forEach(System.err::println);
            System.out.println(checked.summary());
            return 0;
        }
    }

    /**
     * {@code tandem ctl}: one runtime-API command to the running daemon, its reply printed (tables for people, JSON
     * with {@code --json}). Exit codes: 0 done, 1 refused by the daemon, 2 usage (unknown command, bad
     * arguments), 3 daemon not running, 4 permission denied, 5 unknown backend, server or table, 6 no answer within
     * {@code --timeout}, 7 done here but a cluster peer did not apply it.
     */
    @Command(name = "ctl", mixinStandardHelpOptions = true,
            description = "Send a command to the running daemon over its runtime API, e.g. tandem ctl show servers, "
                    + "tandem ctl disable server app/app-01 (tandem ctl help lists them). Exit codes: 0 done, "
                    + "1 refused, 2 usage, 3 daemon not running, 4 permission denied, 5 unknown backend, server or "
                    + "table, 6 no answer within --timeout, 7 done here but a cluster peer did not apply it.")
    static final class Ctl implements Callable<Integer> {
        static final int REFUSED = 1;
        static final int USAGE = 2;
        static final int NOT_RUNNING = 3;
        static final int DENIED = 4;
        static final int NOT_FOUND = 5;
        static final int NO_ANSWER = 6;
        static final int PEER = 7;

        @Option(names = {"-s", "--socket"}, paramLabel = "PATH", description = "The daemon's socket (default: "
                + "admin.socket of the config, else " + AdminConfig.DEFAULT_SOCKET + ").")
        Path socket;

        @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "Config whose admin.socket to use "
                + "(default: " + DEFAULT_CONFIG + ").")
        Path config = Path.of(DEFAULT_CONFIG);

        @Option(names = "--json", description = "The reply in JSON, for scripts.")
        boolean json;

        @Option(names = "--timeout", paramLabel = "DURATION", converter = DurationConverter.class,
                description = "How long to wait for the daemon to accept, and then for each part of its reply, "
                        + "e.g. 500ms, 10s, 2m (default: 30s).")
        Duration timeout = AdminClient.DEFAULT_TIMEOUT;

        @Parameters(arity = "1..*", paramLabel = "COMMAND", description = "The command and its arguments.")
        List<String> command;

        @Override
        public Integer call() {
            Path target = socket != null ? socket : socketOf(config);
            String line = String.join(" ", command) + (json ? " json" : "");
            String reply;
            try {
                reply = AdminClient.send(target, line, timeout);
            } catch (AdminClient.UnreachableException e) {
                System.err.println("tandem ctl: " + e.getMessage());
                return switch (e.reason()) {
                    case NOT_RUNNING -> NOT_RUNNING;
                    case PERMISSION_DENIED -> DENIED;
                    case NO_ANSWER -> NO_ANSWER;
                };
            } catch (IOException e) {
                System.err.println("tandem ctl: cannot talk to the daemon on " + target + ": " + e.getMessage());
                return NOT_RUNNING;
            }
            String kind = AdminClient.errorKind(reply);
            if (kind == null || json) {
                System.out.print(reply);
            } else {
                System.err.print(reply);
            }
            if (kind == null) {
                return 0;
            }
            return switch (kind) {
                case "usage" -> USAGE;
                case "not-found" -> NOT_FOUND;
                case "denied" -> DENIED;
                case "peer" -> PEER;
                default -> REFUSED;
            };
        }

        /** A duration as the config writes them ({@code 500ms}, {@code 10s}); more than zero. */
        static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
            @Override
            public Duration convert(String value) {
                Duration duration;
                try {
                    duration = ConfigValues.parseDuration(value);
                } catch (IllegalArgumentException e) {
                    throw new CommandLine.TypeConversionException(e.getMessage());
                }
                if (duration.isZero()) {
                    throw new CommandLine.TypeConversionException("'" + value + "' is no time at all: give e.g. 10s");
                }
                return duration;
            }
        }

        /** {@code admin.socket} of {@code file} when it loads, else the default. */
        private static Path socketOf(Path file) {
            if (java.nio.file.Files.isReadable(file)) {
                LoadResult loaded = ConfigLoader.load(file);
                if (loaded.config() != null) {
                    return Path.of(loaded.config().admin().socket());
                }
            }
            return Path.of(AdminConfig.DEFAULT_SOCKET);
        }
    }

    /** {@code tandem demo}: three built-in backends behind a frontend on 127.0.0.1:8080. */
    @Command(name = "demo", mixinStandardHelpOptions = true,
            description = "Run a self-contained demo: three HTTP backends on loopback behind a frontend on "
                    + "127.0.0.1:8080 (/api/ to a leastconn pool, the rest to a cookie-sticky roundrobin pool), "
                    + "and an L4 service on 127.0.0.1:8000 in front of that frontend.")
    static final class Demo implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            OperatorLogFormat.install(false);
            Signals signals = Signals.install(false);
            EventLoops loops = EventLoops.start(0);
            List<DemoBackend> backends = new ArrayList<>();
            Map<String, String> env = new HashMap<>(System.getenv());
            for (int i = 1; i <= 3; i++) {
                DemoBackend backend = DemoBackend.start(loops, "app-" + i);
                backends.add(backend);
                env.put("DEMO_APP_" + i, backend.address());
            }
            Path socket = java.nio.file.Files.createTempDirectory("tandem-demo").resolve("tandem.sock");
            env.put("DEMO_SOCKET", socket.toString());
            CheckedConfig checked = CheckedConfig.of(ConfigLoader.parse("demo.yaml", demoConfig(), env));
            if (!checked.ok()) {
                printErrors(checked.errors());
                return 1;
            }
            return runUntilSignalled(signals, checked, loops, null, () -> {
                System.out.println();
                System.out.println("Tandem demo is running on http://127.0.0.1:8080 (Ctrl-C to stop). Try:");
                System.out.println("  curl -i http://127.0.0.1:8080/              # roundrobin, sets a SRVID cookie");
                System.out.println("  curl -i -b SRVID=s2 http://127.0.0.1:8080/  # sticks to app-2");
                System.out.println("  curl -i http://127.0.0.1:8080/api/users     # leastconn pool");
                System.out.println("  curl -i http://127.0.0.1:8000/              # through the L4 tier (PROXY v2) to the same frontend");
                System.out.println("  for i in 1 2 3 4 5 6; do curl -s http://127.0.0.1:8080/; done");
                System.out.println("  tandem ctl -s " + socket + " show servers");
                System.out.println("  tandem ctl -s " + socket + " drain server app_cluster/app-2");
                System.out.println("Backends: " + backends.stream().map(b -> b.name() + "=" + b.address()).toList());
                System.out.println();
            }, () -> {
                backends.forEach(DemoBackend::close);
                try {
                    // The daemon removed its socket; the directory made for it goes too.
                    java.nio.file.Files.deleteIfExists(socket.getParent());
                } catch (IOException e) {
                    System.err.println("tandem demo: could not remove " + socket.getParent() + ": " + e.getMessage());
                }
            });
        }

        private static String demoConfig() throws IOException {
            try (InputStream in = TandemCli.class.getResourceAsStream("demo.yaml")) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        }
    }

    /**
     * {@code tandem jvm-options}: the JVM options for running the config (heap, collector, caps from maxconn and
     * workers), on one line; bin/tandem starts {@code run} with them unless JAVA_OPTS is set.
     */
    @Command(name = "jvm-options", mixinStandardHelpOptions = true,
            description = "Print the JVM options bin/tandem runs the config with: heap sized to maxconn, collector "
                    + "chosen by workers, direct memory and code cache capped (see docs/performance.md). Exit 1 "
                    + "when the file does not load.")
    static final class JvmOptions extends ConfigFileCommand {
        @Override
        public Integer call() {
            LoadResult loaded = ConfigLoader.load(config);
            if (loaded.config() == null) {
                printErrors(loaded.errors());
                return 1;
            }
            JvmBudget budget = JvmBudget.of(loaded.config(), Runtime.getRuntime().availableProcessors());
            System.out.println(String.join(" ", budget.options()));
            return 0;
        }
    }

    /** {@code tandem version}. */
    @Command(name = "version", mixinStandardHelpOptions = true, description = "Print the version.")
    static final class VersionCommand implements Callable<Integer> {
        @Override
        public Integer call() {
            System.out.println("tandem " + Version.text() + " (Java " + Runtime.version() + ")");
            return 0;
        }
    }

    /** A command on the config file of {@code -c FILE}: {@code run}, {@code check} and {@code jvm-options}. */
    abstract static class ConfigFileCommand implements Callable<Integer> {
        @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "Config file (default: "
                + DEFAULT_CONFIG + ").")
        Path config = Path.of(DEFAULT_CONFIG);

        /** The file taken through every check the daemon applies, each error printed as FILE:LINE:COL: message. */
        CheckedConfig checked() {
            CheckedConfig checked = CheckedConfig.load(config);
            printErrors(checked.errors());
            return checked;
        }
    }

    /** Supplies {@code --version}. */
    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"tandem " + Version.text()};
        }
    }

    private static int runUntilSignalled(Signals signals, CheckedConfig checked, Path file) throws Exception {
        EventLoops loops = EventLoops.start(checked.config().global().workers());
        return runUntilSignalled(signals, checked, loops, file, () -> { }, () -> { });
    }

    /** Runs the daemon until a signal stops it; {@code file} is what SIGHUP reloads (null: nothing to reload). */
    private static int runUntilSignalled(Signals signals, CheckedConfig checked, EventLoops loops, Path file,
                                         Runnable onStarted, Runnable afterStop) throws Exception {
        TandemDaemon daemon;
        try {
            daemon = TandemDaemon.start(checked, loops, file);
        } catch (IOException e) {
            System.err.println("tandem: not started: " + e.getMessage());
            afterStop.run();
            loops.close();
            return 1;
        }
        daemon.notifyReady();
        signals.started(new Signals.Actions() {
            @Override
            public void stop() {
                daemon.stop();
            }

            @Override
            public void stopNow() {
                daemon.stopNow();
            }

            @Override
            public void reload() {
                LOG.log(System.Logger.Level.INFO, "SIGHUP: reloading " + file);
                daemon.reload();
            }
        });
        onStarted.run();
        daemon.awaitStop();
        afterStop.run();
        loops.close();
        return 0;
    }

    private static void printErrors(List<ConfigError> errors) {
        PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
        for (ConfigError error : errors) {
            err.println(error);
        }
    }
}
