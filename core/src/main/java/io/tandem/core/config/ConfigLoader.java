package io.tandem.core.config;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.composer.Composer;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.parser.Parser;
import org.yaml.snakeyaml.parser.ParserImpl;
import org.yaml.snakeyaml.reader.StreamReader;
import org.yaml.snakeyaml.resolver.Resolver;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Loads a Tandem YAML config into {@link TandemConfig}, reporting every problem with its {@code FILE:LINE:COL}
 * instead of stopping at the first. Never throws for bad input.
 *
 * <p>{@code ${NAME}} in any value is replaced by that environment variable; a value that is exactly
 * {@code file:/path} is replaced by the file's content without its trailing newline (except {@code global.log},
 * where {@code file:/path} names the log destination).
 */
public final class ConfigLoader {
    private static final List<String> TOP_KEYS = List.of("global", "defaults", "l7", "l4", "vrrp", "cluster",
            "admin");
    /** Sections of the config's design that are not built yet; recognised so users get "not yet", not "unknown". */
    private static final List<String> GLOBAL_KEYS = List.of("name", "workers", "maxconn", "log", "log-format",
            "hard-stop-after");
    private static final List<String> LOG_FORMATS = List.of("httplog", "json");
    private static final List<String> DEFAULTS_KEYS = List.of("timeout", "forwardfor", "retries");
    private static final int DEFAULT_MAXCONN = 4096;
    /** Event loops: more than a large server's cores, far fewer than the threads and buffers a JVM can hold. */
    private static final int MAX_WORKERS = 256;
    /** Connect attempts beyond the first: more only repeats a failure that many times. */
    static final int MAX_RETRIES = 100;
    private static final int DEFAULT_RETRIES = 3;
    private static final DefaultsConfig BUILT_IN_DEFAULTS = new DefaultsConfig(Timeouts.BUILT_IN, ForwardFor.DISABLED,
            DEFAULT_RETRIES);
    private static final String DEFAULT_LOG = "stdout";
    private static final Duration DEFAULT_HARD_STOP_AFTER = Duration.ofSeconds(30);

    private ConfigLoader() {
    }

    /** Loads {@code file}, expanding {@code ${NAME}} from the process environment. */
    public static LoadResult load(Path file) {
        return load(file, System.getenv());
    }

    /** Loads {@code file}, expanding {@code ${NAME}} from {@code env}. */
    public static LoadResult load(Path file, Map<String, String> env) {
        String text;
        try {
            text = text(file);
        } catch (ConfigException e) {
            return new LoadResult(null, e.errors());
        }
        return parse(file.toString(), text, env);
    }

    /**
     * The text of the config file {@code file}, as {@link #load} reads it (UTF-8, at most 1 MiB, no byte-order
     * mark), for a caller that needs the text it parses too (the shared config's version is taken from it).
     */
    public static String text(Path file) throws ConfigException {
        try {
            return SourceText.read(file);
        } catch (IOException e) {
            throw new ConfigException(List.of(new ConfigError(new SourcePos(file.toString(), 1, 1),
                    "cannot read config (" + NodeReader.reason(e) + ")")));
        } catch (SourceText.Refused e) {
            throw new ConfigException(List.of(new ConfigError(e.pos(file.toString()), "config file is "
                    + e.getMessage())));
        }
    }

    /** Parses {@code yamlText}, naming it {@code sourceName} in errors; {@code ${NAME}} from the process env. */
    public static LoadResult parse(String sourceName, String yamlText) {
        return parse(sourceName, yamlText, System.getenv());
    }

    /** Parses {@code yamlText}, naming it {@code sourceName} in errors; {@code ${NAME}} from {@code env}. */
    public static LoadResult parse(String sourceName, String yamlText, Map<String, String> env) {
        NodeReader reader = new NodeReader(sourceName, env);
        Node root;
        try {
            root = compose(yamlText);
        } catch (YAMLException e) {
            return new LoadResult(null, List.of(yamlError(sourceName, e)));
        }
        SourcePos start = new SourcePos(sourceName, 1, 1);
        Block top = root == null ? null : reader.block(root, "the config", "at the top level", TOP_KEYS, start);
        if (top == null) {
            top = reader.emptyBlock(start);
        }
        GlobalConfig global = global(section(reader, top, "global", GLOBAL_KEYS));
        DefaultsConfig defaults = defaults(reader, section(reader, top, "defaults", DEFAULTS_KEYS));
        CommonBlocks common = new CommonBlocks(reader, defaults);
        L7Config l7 = new L7Loader(reader, common).load(section(reader, top, "l7", L7Loader.L7_KEYS));
        L4Config l4 = new L4Loader(reader, common).load(section(reader, top, "l4", L4Loader.L4_KEYS));
        AdminConfig admin = new AdminLoader(reader).load(section(reader, top, "admin", AdminLoader.ADMIN_KEYS));
        BindConflicts.check(reader, l7, l4, admin.stats());
        ServerLoops.check(reader, l7, l4);
        VrrpConfig vrrp = new VrrpLoader(reader, common).load(section(reader, top, "vrrp", VrrpLoader.VRRP_KEYS), l7, l4);
        ClusterConfig cluster = new ClusterLoader(reader).load(top);
        if (cluster.share().contains(ClusterConfig.Share.CONFIG)) {
            try {
                SharedConfig.of(sourceName, yamlText);
            } catch (ConfigException e) {
                e.errors().forEach(error -> reader.error(error.pos(), error.message()));
            }
        }
        return new LoadResult(new TandemConfig(sourceName, global, defaults, l7, l4, vrrp, cluster, admin),
                reader.errors());
    }

    /**
     * The node tree of {@code yamlText} (null when empty). Composing builds the node tree only: no objects are
     * constructed, and marks keep every position. Throws snakeyaml's exceptions for text that is not YAML.
     */
    static Node compose(String yamlText) {
        LoaderOptions options = new LoaderOptions();
        Parser parser = new AliasExpandingParser(new ParserImpl(new StreamReader(yamlText), options));
        return new Composer(parser, new Resolver(), options).getSingleNode();
    }

    /** Text that is not YAML, at the position snakeyaml names. */
    static ConfigError yamlError(String sourceName, YAMLException e) {
        if (e instanceof MarkedYAMLException marked) {
            Mark mark = marked.getProblemMark() != null ? marked.getProblemMark() : marked.getContextMark();
            SourcePos pos = mark != null ? new SourcePos(sourceName, mark.getLine() + 1, mark.getColumn() + 1)
                    : new SourcePos(sourceName, 1, 1);
            String problem = marked.getProblem() != null ? marked.getProblem() : marked.getMessage();
            return new ConfigError(pos, "YAML syntax error: " + problem);
        }
        return new ConfigError(new SourcePos(sourceName, 1, 1), "YAML error: " + e.getMessage());
    }

    /** A top-level section, or an empty one when absent or not a mapping, so its defaults still apply. */
    private static Block section(NodeReader reader, Block top, String key, List<String> validKeys) {
        Block block = top.block(key, validKeys);
        return block != null ? block : reader.emptyBlock(top.pos());
    }

    private static GlobalConfig global(Block g) {
        String name = g.string("name");
        return new GlobalConfig(name != null ? name : localHostname(),
                g.integer("workers", 0, MAX_WORKERS, 0),
                g.integer("maxconn", 1, CommonBlocks.MAX_CONNECTIONS, DEFAULT_MAXCONN),
                log(g), g.duration("hard-stop-after", DEFAULT_HARD_STOP_AFTER), logFormat(g));
    }

    private static GlobalConfig.LogFormat logFormat(Block g) {
        Located<String> format = g.located("log-format");
        if (format == null) {
            return GlobalConfig.LogFormat.HTTPLOG;
        }
        if (!LOG_FORMATS.contains(format.value())) {
            g.reader().error(format.pos(), "unknown log-format '" + format.value() + "'"
                    + Suggestions.hint(format.value(), LOG_FORMATS, "valid formats"));
            return GlobalConfig.LogFormat.HTTPLOG;
        }
        return format.value().equals("json") ? GlobalConfig.LogFormat.JSON : GlobalConfig.LogFormat.HTTPLOG;
    }

    /**
     * {@code stdout}, {@code file:/path}, {@code syslog://host:port}, {@code syslog:/path} (a local syslog socket such
     * as /dev/log) or {@code none} (no access log, as HAProxy without a {@code log} line); the shape is checked, not
     * the target.
     */
    private static String log(Block g) {
        NodeReader reader = g.reader();
        if (!g.has("log")) {
            return DEFAULT_LOG;
        }
        String log = reader.textWithoutFiles(g.value("log"), "'log'");
        if (log == null) {
            return DEFAULT_LOG;
        }
        boolean valid = log.equals("stdout") || log.equals("none") || (log.startsWith("file:") && log.length() > "file:".length());
        if (log.startsWith("syslog://")) {
            try {
                valid = !HostPort.parse(log.substring("syslog://".length())).isWildcard();
            } catch (IllegalArgumentException e) {
                valid = false;
            }
        } else if (log.startsWith("syslog:/")) {
            valid = log.length() > "syslog:/".length();
        }
        if (!valid) {
            reader.error(g.value("log"), "bad log '" + log
                    + "' (use stdout, file:/path, syslog://host:port, syslog:/dev/log or none)");
            return DEFAULT_LOG;
        }
        return log;
    }

    /** The {@code defaults} block, read over the built-in values as a section is read over the defaults. */
    private static DefaultsConfig defaults(NodeReader reader, Block d) {
        CommonBlocks common = new CommonBlocks(reader, BUILT_IN_DEFAULTS);
        return new DefaultsConfig(common.timeouts(d), common.forwardFor(d), common.retries(d));
    }

    /**
     * The kernel's host name, read from procfs or /etc/hostname rather than {@code InetAddress.getLocalHost()},
     * which resolves the name and can hang on a broken resolver.
     */
    private static String localHostname() {
        for (String file : List.of("/proc/sys/kernel/hostname", "/etc/hostname")) {
            try {
                String name = Files.readString(Path.of(file)).trim();
                if (!name.isEmpty()) {
                    return name;
                }
            } catch (IOException | RuntimeException unreadable) {
                // Not Linux, or no such file: try the next source.
            }
        }
        return "localhost";
    }
}
