package io.tandem.core.config;

import org.yaml.snakeyaml.nodes.SequenceNode;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;

/**
 * Reads the {@code l7} block (frontends, backends) and checks what spans them: backend names. Bind conflicts
 * span l7 and l4 and are checked by {@link BindConflicts}.
 */
record L7Loader(NodeReader reader, CommonBlocks common) {
    static final List<String> L7_KEYS = List.of("frontends", "backends");
    static final List<String> FRONTEND_KEYS = List.of("bind", "acl", "http-request", "http-response",
            "use-backend", "default-backend", "timeout", "forwardfor", "stick-table", "compression");
    static final List<String> BACKEND_KEYS = List.of("balance", "hash-type", "cookie", "check", "servers", "acl",
            "http-request", "http-response", "timeout", "retries", "stick-table", "stick-on", "compression");

    private static final List<String> COMPRESSION_KEYS = List.of("algo", "type", "offload");
    private static final List<String> COOKIE_OPTIONS = List.of("insert", "indirect", "nocache", "httponly", "secure");
    private static final Set<String> COOKIE_MODES_NOT_YET = Set.of("rewrite", "prefix");

    L7Config load(Block l7) {
        Block backendBlocks = l7.names("backends");
        Map<String, BackendConfig> backends = common.sections(backendBlocks, "backend", BACKEND_KEYS, this::backend);
        // All names, so that a backend with a bad block is not also "unknown" everywhere it is used.
        Set<String> backendNames = new LinkedHashSet<>();
        if (backendBlocks != null) {
            backendBlocks.entries().forEach(entry -> backendNames.add(entry.key()));
        }
        Map<String, FrontendConfig> frontends = common.sections(l7.names("frontends"), "frontend", FRONTEND_KEYS,
                this::frontend);
        for (FrontendConfig frontend : frontends.values()) {
            checkBackendReferences(frontend, backendNames);
        }
        return new L7Config(frontends, backends);
    }

    private FrontendConfig frontend(String name, Block f) {
        List<Located<String>> lines = f.locatedOneOrMore("bind");
        if (!f.has("bind") || (f.value("bind") instanceof SequenceNode list && list.getValue().isEmpty())) {
            reader.error(f.pos(), "frontend '" + name + "' needs at least one 'bind'");
        }
        List<BindConfig> binds = new ArrayList<>();
        for (Located<String> line : lines) {
            BindConfig bind = common.bind(line, "bind", ServiceConfig.Protocol.TCP);
            if (bind != null) {
                binds.add(bind);
            }
        }
        if (!f.has("use-backend") && !f.has("default-backend")) {
            reader.error(f.pos(), "frontend '" + name + "' has no default-backend and no use-backend");
        }
        return new FrontendConfig(name, List.copyOf(binds), acls(f), f.locatedList("http-request"),
                f.locatedList("http-response"), f.locatedList("use-backend"), f.located("default-backend"),
                common.timeouts(f), common.forwardFor(f),
                common.stickTable(f), compression(f), f.pos());
    }

    private BackendConfig backend(String name, Block b) {
        List<ServerConfig> servers = common.servers(b, "backend '" + name + "'", true);
        checkCookieValues(servers);
        // Whether stick-on has a table to use is checked where tables are resolved (l7's StickScope).
        Located<String> stickOn = b.located("stick-on");
        return new BackendConfig(name, common.balance(b, true), cookie(b.located("cookie")), common.check(b), servers, acls(b),
                b.locatedList("http-request"), b.locatedList("http-response"),
                common.timeouts(b), common.retries(b), common.stickTable(b), stickOn,
                compression(b), b.pos());
    }

    /**
     * {@code compression: { algo: gzip | [gzip, deflate], type: [text/html, ...], offload: true }}, or null when
     * absent. Words may also be given space-separated in one string, as in HAProxy.
     */
    private CompressionConfig compression(Block parent) {
        Block c = parent.block("compression", COMPRESSION_KEYS);
        if (c == null) {
            return null;
        }
        List<String> algos = new ArrayList<>();
        for (Located<String> item : c.locatedOneOrMore("algo")) {
            Matcher word = CommonBlocks.WORD.matcher(item.value());
            while (word.find()) {
                String algo = word.group();
                if (!CompressionConfig.ALGORITHMS.contains(algo)) {
                    reader.error(item.pos().plusColumns(word.start()), "unknown compression algo '" + algo
                            + "' (supported: " + String.join(", ", CompressionConfig.ALGORITHMS) + ")");
                } else if (!algos.contains(algo)) {
                    algos.add(algo);
                }
            }
        }
        if (algos.contains("deflate") && algos.contains("raw-deflate")) {
            // Both answer the client's "deflate" token: HAProxy's documentation says to use one or the other.
            reader.error(c.keyPos("algo"), "compression algo 'deflate' and 'raw-deflate' answer the same"
                    + " Accept-Encoding token: use one of them");
        }
        List<String> types = new ArrayList<>();
        for (Located<String> item : c.locatedOneOrMore("type")) {
            Matcher word = CommonBlocks.WORD.matcher(item.value());
            while (word.find()) {
                types.add(word.group());
            }
        }
        return new CompressionConfig(List.copyOf(algos), List.copyOf(types), c.bool("offload", false));
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

    /** {@code NAME insert [indirect] [nocache] [httponly] [secure]}, or null when absent or wrong. */
    private CookieConfig cookie(Located<String> spec) {
        if (spec == null) {
            return null;
        }
        Matcher word = CommonBlocks.WORD.matcher(spec.value());
        word.find();
        String name = word.group();
        boolean valid = CommonBlocks.TOKEN.matcher(name).matches();
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
                        + " at " + first.pos().lineColumn());
            }
        }
    }

    private void checkBackendReferences(FrontendConfig frontend, Set<String> backendNames) {
        for (Located<String> rule : frontend.useBackend()) {
            Matcher word = CommonBlocks.WORD.matcher(rule.value());
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
}
