package io.tandem.core.config;

import org.yaml.snakeyaml.nodes.SequenceNode;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads the {@code l7} block (frontends, backends) and checks what spans them: backend names and binds. */
final class L7Loader {
    static final List<String> L7_KEYS = List.of("frontends", "backends");
    static final List<String> FRONTEND_KEYS = List.of("bind", "acl", "http-request", "http-response",
            "use-backend", "default-backend", "timeout", "forwardfor", "stick-table");
    static final List<String> BACKEND_KEYS = List.of("balance", "hash-type", "cookie", "check", "servers", "acl",
            "http-request", "http-response", "timeout", "retries", "stick-table", "stick-on");

    private static final List<String> BIND_OPTIONS = List.of("accept-proxy", "tls", "ssl", "crt", "alpn");
    private static final Set<String> BIND_OPTIONS_NOT_YET = Set.of("tls", "ssl", "crt", "alpn");
    private static final Set<String> BIND_OPTIONS_WITH_ARGUMENT = Set.of("crt", "alpn");
    private static final List<String> BALANCE_NAMES = List.of("roundrobin", "leastconn", "source", "uri", "random", "maglev",
            "hdr(NAME)");
    private static final List<String> HASH_TYPES = List.of("map-based", "consistent");
    private static final List<String> COOKIE_OPTIONS = List.of("insert", "indirect", "nocache", "httponly", "secure");
    private static final Set<String> COOKIE_MODES_NOT_YET = Set.of("rewrite", "prefix");
    /** HTTP tokens: header names, and cookie names (RFC 6265). */
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    private static final Pattern WORD = Pattern.compile("\\S+");

    private final NodeReader reader;
    private final CommonBlocks common;
    private final DefaultsConfig defaults;

    L7Loader(NodeReader reader, DefaultsConfig defaults) {
        this.reader = reader;
        this.common = new CommonBlocks(reader);
        this.defaults = defaults;
    }

    L7Config load(Block l7) {
        Map<String, BackendConfig> backends = new LinkedHashMap<>();
        // Names are collected before validation so a backend with a bad block is not also "unknown" everywhere.
        Set<String> backendNames = new LinkedHashSet<>();
        Block backendBlocks = l7.names("backends");
        if (backendBlocks != null) {
            for (Block.Entry entry : backendBlocks.entries()) {
                backendNames.add(entry.key());
                String what = "backend '" + entry.key() + "'";
                Block b = reader.block(entry.value(), what, "in " + what, BACKEND_KEYS, entry.keyPos());
                BackendConfig backend = b == null ? null : backend(entry.key(), b);
                if (common.checkName(entry.key(), entry.keyPos(), "backend") && backend != null) {
                    backends.put(entry.key(), backend);
                }
            }
        }
        Map<String, FrontendConfig> frontends = new LinkedHashMap<>();
        Block frontendBlocks = l7.names("frontends");
        if (frontendBlocks != null) {
            for (Block.Entry entry : frontendBlocks.entries()) {
                String what = "frontend '" + entry.key() + "'";
                Block f = reader.block(entry.value(), what, "in " + what, FRONTEND_KEYS, entry.keyPos());
                FrontendConfig frontend = f == null ? null : frontend(entry.key(), f);
                if (common.checkName(entry.key(), entry.keyPos(), "frontend") && frontend != null) {
                    frontends.put(entry.key(), frontend);
                }
            }
        }
        for (FrontendConfig frontend : frontends.values()) {
            checkBackendReferences(frontend, backendNames);
        }
        checkBindConflicts(frontends.values());
        return new L7Config(Collections.unmodifiableMap(frontends), Collections.unmodifiableMap(backends));
    }

    private FrontendConfig frontend(String name, Block f) {
        List<Located<String>> lines = f.locatedOneOrMore("bind");
        if (!f.has("bind") || (f.value("bind") instanceof SequenceNode list && list.getValue().isEmpty())) {
            reader.error(f.pos(), "frontend '" + name + "' needs at least one 'bind'");
        }
        List<BindConfig> binds = new ArrayList<>();
        for (Located<String> line : lines) {
            BindConfig bind = bind(line);
            if (bind != null) {
                binds.add(bind);
            }
        }
        if (!f.has("use-backend") && !f.has("default-backend")) {
            reader.error(f.pos(), "frontend '" + name + "' has no default-backend and no use-backend");
        }
        return new FrontendConfig(name, List.copyOf(binds), acls(f), f.locatedList("http-request"),
                f.locatedList("http-response"), f.locatedList("use-backend"), f.located("default-backend"),
                common.timeouts(f).orElse(defaults.timeout()), common.forwardFor(f, defaults.forwardfor()),
                common.stickTable(f), f.pos());
    }

    /** One {@code ADDR [accept-proxy]} line, or null when it has an error (a listener must not half-work). */
    private BindConfig bind(Located<String> line) {
        Matcher word = WORD.matcher(line.value());
        word.find();
        HostPort address = null;
        try {
            address = HostPort.parse(word.group());
        } catch (IllegalArgumentException e) {
            reader.error(line.pos().plusColumns(word.start()), e.getMessage());
        }
        boolean acceptProxy = false;
        boolean usable = address != null;
        while (word.find()) {
            String option = word.group();
            SourcePos optionPos = line.pos().plusColumns(word.start());
            if (option.equals("accept-proxy")) {
                acceptProxy = true;
            } else if (BIND_OPTIONS_NOT_YET.contains(option)) {
                reader.error(optionPos, "'" + option + "' on bind is not supported yet");
                usable = false;
                if (BIND_OPTIONS_WITH_ARGUMENT.contains(option)) {
                    word.find();
                }
            } else {
                reader.error(optionPos, "unknown bind option '" + option + "'"
                        + Suggestions.hint(option, BIND_OPTIONS, "valid options"));
                usable = false;
            }
        }
        return usable ? new BindConfig(address, acceptProxy, line.pos()) : null;
    }

    private BackendConfig backend(String name, Block b) {
        List<ServerConfig> servers = common.servers(b, "backend '" + name + "'");
        checkCookieValues(servers);
        Located<String> stickOn = b.located("stick-on");
        if (stickOn != null && !b.has("stick-table") && !stickOn.value().matches(".*\\stable\\s.*")) {
            reader.error(stickOn.pos(), "stick-on needs a stick-table in backend '" + name + "' (or 'table NAME')");
        }
        return new BackendConfig(name, balance(b), cookie(b.located("cookie")), common.check(b), servers, acls(b),
                b.locatedList("http-request"), b.locatedList("http-response"),
                common.timeouts(b).orElse(defaults.timeout()),
                b.integer("retries", 0, Integer.MAX_VALUE, defaults.retries()), common.stickTable(b), stickOn,
                b.pos());
    }

    private Map<String, Located<String>> acls(Block parent) {
        Block names = parent.names("acl");
        if (names == null) {
            return Map.of();
        }
        Map<String, Located<String>> acls = new LinkedHashMap<>();
        for (Block.Entry entry : names.entries()) {
            Located<String> expression = reader.located(entry.value(), "acl '" + entry.key() + "'");
            if (common.checkName(entry.key(), entry.keyPos(), "acl") && expression != null) {
                acls.put(entry.key(), expression);
            }
        }
        return Collections.unmodifiableMap(acls);
    }

    private BalanceConfig balance(Block b) {
        boolean consistent = false;
        String hashType = b.string("hash-type");
        if (hashType != null && !HASH_TYPES.contains(hashType)) {
            reader.error(b.value("hash-type"), "unknown hash-type '" + hashType + "'"
                    + Suggestions.hint(hashType, HASH_TYPES, "valid types"));
        } else {
            consistent = "consistent".equals(hashType);
        }
        Located<String> spec = b.located("balance");
        BalanceConfig fallback = new BalanceConfig(BalanceConfig.Algorithm.ROUNDROBIN, null, consistent);
        if (spec == null) {
            return fallback;
        }
        String text = spec.value();
        if (text.startsWith("hdr(") && text.endsWith(")")) {
            String header = text.substring("hdr(".length(), text.length() - 1);
            if (header.isEmpty() || !TOKEN.matcher(header).matches()) {
                reader.error(spec.pos(), "balance hdr() needs a header name, e.g. hdr(Host)");
                return fallback;
            }
            return new BalanceConfig(BalanceConfig.Algorithm.HDR, header, consistent);
        }
        for (BalanceConfig.Algorithm algorithm : BalanceConfig.Algorithm.values()) {
            if (algorithm != BalanceConfig.Algorithm.HDR && algorithm.configName().equals(text)) {
                return new BalanceConfig(algorithm, null, consistent);
            }
        }
        reader.error(spec.pos(), "unknown balance '" + text + "'"
                + Suggestions.hint(text, BALANCE_NAMES, "valid algorithms"));
        return fallback;
    }

    /** {@code NAME insert [indirect] [nocache] [httponly] [secure]}, or null when absent or wrong. */
    private CookieConfig cookie(Located<String> spec) {
        if (spec == null) {
            return null;
        }
        Matcher word = WORD.matcher(spec.value());
        word.find();
        String name = word.group();
        boolean valid = TOKEN.matcher(name).matches();
        if (!valid) {
            reader.error(spec.pos(), "bad cookie name '" + name + "'");
        }
        Set<String> options = new LinkedHashSet<>();
        boolean modeNotYet = false;
        while (word.find()) {
            String option = word.group();
            SourcePos optionPos = spec.pos().plusColumns(word.start());
            if (COOKIE_OPTIONS.contains(option)) {
                options.add(option);
            } else if (COOKIE_MODES_NOT_YET.contains(option)) {
                reader.error(optionPos, "cookie mode '" + option + "' is not supported yet");
                modeNotYet = true;
            } else {
                reader.error(optionPos, "unknown cookie option '" + option + "'"
                        + Suggestions.hint(option, COOKIE_OPTIONS, "valid options"));
                valid = false;
            }
        }
        if (!options.contains("insert") && !modeNotYet) {
            reader.error(spec.pos(), "cookie needs the 'insert' mode (NAME insert [indirect] [nocache] [httponly]"
                    + " [secure])");
            valid = false;
        }
        if (!valid || modeNotYet) {
            return null;
        }
        return new CookieConfig(name, options.contains("indirect"), options.contains("nocache"),
                options.contains("httponly"), options.contains("secure"));
    }

    /** Two servers with one cookie value would make persistence pick whichever comes first. */
    private void checkCookieValues(List<ServerConfig> servers) {
        Map<String, ServerConfig> byCookie = new LinkedHashMap<>();
        for (ServerConfig server : servers) {
            if (server.cookie() == null) {
                continue;
            }
            ServerConfig first = byCookie.putIfAbsent(server.cookie(), server);
            if (first != null) {
                reader.error(server.pos(), "cookie '" + server.cookie() + "' already used by server " + first.name()
                        + " at " + lineColumn(first.pos()));
            }
        }
    }

    private void checkBackendReferences(FrontendConfig frontend, Set<String> backendNames) {
        for (Located<String> rule : frontend.useBackend()) {
            Matcher word = WORD.matcher(rule.value());
            word.find();
            checkBackendName(word.group(), rule.pos().plusColumns(word.start()), "use-backend", backendNames);
            if (!word.find()) {
                continue;
            }
            String keyword = word.group();
            SourcePos keywordPos = rule.pos().plusColumns(word.start());
            if (!keyword.equals("if") && !keyword.equals("unless")) {
                reader.error(keywordPos, "expected 'if' or 'unless' after the backend name, got '" + keyword + "'");
            } else if (!word.find()) {
                reader.error(keywordPos, "missing condition after '" + keyword + "'");
            }
        }
        Located<String> fallback = frontend.defaultBackend();
        if (fallback != null) {
            checkBackendName(fallback.value(), fallback.pos(), "default-backend", backendNames);
        }
    }

    private void checkBackendName(String name, SourcePos pos, String where, Set<String> backendNames) {
        if (!backendNames.contains(name)) {
            reader.error(pos, "unknown backend '" + name + "' in " + where
                    + Suggestions.hint(name, backendNames, "known backends"));
        }
    }

    /** Two listeners on one address cannot both bind; a wildcard takes the port on every address. */
    private void checkBindConflicts(Iterable<FrontendConfig> frontends) {
        record Taken(String frontend, BindConfig bind) {
        }
        List<Taken> taken = new ArrayList<>();
        for (FrontendConfig frontend : frontends) {
            for (BindConfig bind : frontend.binds()) {
                for (Taken earlier : taken) {
                    HostPort a = bind.address();
                    HostPort b = earlier.bind().address();
                    if (a.port() != b.port()) {
                        continue;
                    }
                    String where = "frontend " + earlier.frontend() + " at " + lineColumn(earlier.bind().pos());
                    if (sameHost(a.host(), b.host())) {
                        reader.error(bind.pos(), "bind " + a + " already used by " + where);
                        break;
                    }
                    if (isWildcard(a) || isWildcard(b)) {
                        reader.error(bind.pos(), "bind " + a + " overlaps bind " + b + " of " + where);
                        break;
                    }
                }
                taken.add(new Taken(frontend.name(), bind));
            }
        }
    }

    private static boolean sameHost(String a, String b) {
        InetAddress ipA = ConfigValues.parseIpLiteral(a);
        InetAddress ipB = ConfigValues.parseIpLiteral(b);
        if (ipA != null && ipB != null) {
            return ipA.equals(ipB);
        }
        return a.equalsIgnoreCase(b);
    }

    private static boolean isWildcard(HostPort address) {
        InetAddress ip = ConfigValues.parseIpLiteral(address.host());
        return address.isWildcard() || (ip != null && ip.isAnyLocalAddress());
    }

    private static String lineColumn(SourcePos pos) {
        return pos.line() + ":" + pos.column();
    }
}
