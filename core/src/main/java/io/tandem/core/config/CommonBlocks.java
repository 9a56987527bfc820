package io.tandem.core.config;

import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The blocks and values that keep one shape wherever they appear ({@code timeout}, {@code forwardfor},
 * {@code check}, {@code servers}, {@code stick-table}, {@code balance}, bind lines), read the same way for every
 * section that holds them. {@code http} arguments say whether the section speaks HTTP (an l7 backend) or not
 * (an l4 service), for the features that need it. What a section inherits when it does not set {@code timeout},
 * {@code forwardfor} or {@code retries} is the {@code defaults} block, itself read over the built-in values.
 */
final class CommonBlocks {
    static final List<String> TIMEOUT_KEYS = List.of("connect", "client", "server", "http-request",
            "http-keep-alive", "tunnel", "queue");
    static final List<String> CHECK_KEYS = List.of("http", "tcp", "host", "send", "expect", "inter", "fall", "rise");
    static final List<String> SERVER_KEYS = List.of("address", "weight", "backup", "maxconn", "cookie", "ssl",
            "proto");
    static final List<String> STICK_TABLE_KEYS = List.of("type", "size", "expire", "store");
    static final List<String> STICK_TABLE_TYPES = List.of("ip", "ipv6", "string", "integer");
    /** Names of frontends, backends, services, servers and ACLs: HAProxy's characters, so names carry over. */
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9._:-]+");
    /** HTTP tokens: header names, and cookie names (RFC 6265). */
    static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    /** One word of a line such as a bind, a cookie spec or a rule. */
    static final Pattern WORD = Pattern.compile("\\S+");
    static final List<String> HASH_TYPES = List.of("map-based", "consistent");

    private static final List<String> BIND_OPTIONS = List.of("accept-proxy", "proto", "tls", "crt", "alpn",
            "min-version", "ciphers", "ciphersuites");
    /** {@code proto} values: HAProxy's names of a bind's protocol (h1 is the default). */
    private static final List<String> BIND_PROTOCOLS = List.of("h1", "h2");
    private static final List<String> BALANCE_NAMES = List.of("roundrobin", "leastconn", "source", "uri", "random",
            "maglev", "hdr(NAME)");
    private static final List<String> BALANCE_NAMES_WITHOUT_HTTP = List.of("roundrobin", "leastconn", "source",
            "random", "maglev");

    /** The most connections any {@code maxconn} allows: each takes two descriptors, far below Linux's nr_open. */
    static final int MAX_CONNECTIONS = 10_000_000;
    /** The most consecutive results a {@code fall} or {@code rise} may wait for. */
    static final int MAX_FALL_RISE = 1000;
    /** The most entries a stick table may hold. */
    static final long MAX_STICK_TABLE_SIZE = 1_000_000_000L;

    private static final Pattern HTTP_METHOD = Pattern.compile("[A-Z]+");
    private static final Duration DEFAULT_INTER = Duration.ofSeconds(2);
    private static final int DEFAULT_FALL = 3;
    private static final int DEFAULT_RISE = 2;

    private final NodeReader reader;
    private final DefaultsConfig inherited;

    /** Blocks read over {@code inherited}: the {@code defaults} block's values, or the built-in ones for it. */
    CommonBlocks(NodeReader reader, DefaultsConfig inherited) {
        this.reader = reader;
        this.inherited = inherited;
    }

    /**
     * The sections named in {@code names} (frontends, backends, services; null when absent), each a mapping with
     * {@code validKeys} read by {@code read}, in file order. A section with a bad name, a non-mapping value or a
     * null from {@code read} is left out after its errors are recorded.
     */
    <T> Map<String, T> sections(Block names, String kind, List<String> validKeys, BiFunction<String, Block, T> read) {
        Map<String, T> sections = new LinkedHashMap<>();
        if (names != null) {
            for (Block.Entry entry : names.entries()) {
                String what = kind + " '" + entry.key() + "'";
                Block block = reader.block(entry.value(), what, "in " + what, validKeys, entry.keyPos());
                T section = block == null ? null : read.apply(entry.key(), block);
                if (checkName(entry.key(), entry.keyPos(), kind) && section != null) {
                    sections.put(entry.key(), section);
                }
            }
        }
        return Collections.unmodifiableMap(sections);
    }

    /** True when {@code name} is usable as a name; otherwise records why. */
    boolean checkName(String name, SourcePos pos, String kind) {
        if (NAME.matcher(name).matches()) {
            return true;
        }
        reader.error(pos, "bad " + kind + " name '" + name + "' (use letters, digits, '-', '_', '.', ':')");
        return false;
    }

    /**
     * One {@code ADDR [accept-proxy] [tls crt FILE ...]} line ({@code keyword} is {@code bind} or {@code listen},
     * for messages), or null when it has an error: a listener must not half-work. PROXY headers come on TCP only;
     * TLS is terminated by l7 binds only (an l4 service passes it through).
     */
    BindConfig bind(Located<String> line, String keyword, ServiceConfig.Protocol protocol) {
        Matcher word = WORD.matcher(line.value());
        word.find();
        HostPort address = null;
        try {
            address = HostPort.parse(word.group());
        } catch (IllegalArgumentException e) {
            reader.error(line.pos().plusColumns(word.start()), e.getMessage());
        }
        boolean acceptProxy = false;
        boolean h2 = false;
        boolean usable = address != null;
        boolean l7 = keyword.equals("bind");
        TlsWords tls = new TlsWords(reader);
        while (word.find()) {
            String option = word.group();
            SourcePos optionPos = line.pos().plusColumns(word.start());
            if (option.equals("accept-proxy") && protocol == ServiceConfig.Protocol.UDP) {
                reader.error(optionPos, "'accept-proxy' applies to tcp services only");
                usable = false;
            } else if (option.equals("accept-proxy")) {
                acceptProxy = true;
            } else if (option.equals("proto")) {
                String proto = word.find() ? word.group() : null;
                if (!l7) {
                    reader.error(optionPos, "'proto' applies to l7 binds only (an l4 service passes bytes through)");
                    usable = false;
                } else if (proto == null || !BIND_PROTOCOLS.contains(proto)) {
                    reader.error(proto == null ? optionPos : line.pos().plusColumns(word.start()),
                            (proto == null ? "'proto' needs a protocol" : "unknown bind protocol '" + proto + "'")
                                    + "; valid protocols: h1, h2 (HTTP/2 with prior knowledge)");
                    usable = false;
                } else {
                    h2 = proto.equals("h2");
                }
            } else if (TlsWords.claims(option) && !l7) {
                reader.error(optionPos, "'" + option + "' applies to l7 binds only (an l4 service passes TLS"
                        + " through to its servers)");
                usable = false;
                if (TlsWords.WITH_VALUE.contains(option)) {
                    word.find();
                }
            } else if (option.equals("tls")) {
                tls.tls(optionPos);
            } else if (TlsWords.claims(option)) {
                boolean more = word.find();
                tls.word(option, optionPos, more ? word.group() : null,
                        more ? line.pos().plusColumns(word.start()) : null);
            } else if (option.equals("ssl")) {
                reader.error(optionPos, "'ssl' is HAProxy's word for it: write 'tls' (e.g. tls crt /etc/ssl/site.pem)");
                usable = false;
            } else {
                List<String> valid = l7 ? BIND_OPTIONS : List.of("accept-proxy");
                String hint = Suggestions.didYouMean(option, valid);
                reader.error(optionPos, "unknown " + keyword + " option '" + option + "'" + (hint.isEmpty()
                        ? "; valid options: " + String.join(", ", valid) : hint));
                usable = false;
            }
        }
        BindTls bindTls = l7 ? tls.result() : null;
        return usable && tls.ok() ? new BindConfig(address, acceptProxy, bindTls, h2, line.pos()) : null;
    }

    /**
     * {@code balance} and {@code hash-type} of {@code b}; roundrobin when absent or wrong. Without HTTP the
     * algorithms that read the request ({@code uri}, {@code hdr(NAME)}) are errors that say where they belong.
     */
    BalanceConfig balance(Block b, boolean http) {
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
        boolean hdr = text.startsWith("hdr(") && text.endsWith(")");
        if (!http && (hdr || text.equals(BalanceConfig.Algorithm.URI.configName()))) {
            reader.error(spec.pos(), "balance '" + text + "' needs HTTP: use it in an l7 backend");
            return fallback;
        }
        if (hdr) {
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
                + Suggestions.hint(text, http ? BALANCE_NAMES : BALANCE_NAMES_WITHOUT_HTTP, "valid algorithms"));
        return fallback;
    }

    /** The {@code timeout} block of {@code parent}, each key it does not set inherited. */
    Timeouts timeouts(Block parent) {
        Block t = parent.block("timeout", TIMEOUT_KEYS);
        if (t == null) {
            return inherited.timeout();
        }
        return new Timeouts(t.duration("connect", null), t.duration("client", null), t.duration("server", null),
                t.duration("http-request", null), t.duration("http-keep-alive", null), t.duration("tunnel", null),
                t.duration("queue", null)).orElse(inherited.timeout());
    }

    /** {@code retries} of {@code parent}: connect attempts after a failed one; inherited when absent. */
    int retries(Block parent) {
        return parent.integer("retries", 0, ConfigLoader.MAX_RETRIES, inherited.retries());
    }

    /** {@code forwardfor: true|false} or {@code { except: CIDR | [CIDR, ...] }}; inherited when absent. */
    ForwardFor forwardFor(Block parent) {
        Node value = parent.value("forwardfor");
        if (value == null) {
            return inherited.forwardfor();
        }
        if (value instanceof ScalarNode) {
            Boolean enabled = reader.bool(value, "'forwardfor'");
            return enabled == null ? inherited.forwardfor() : enabled ? new ForwardFor(true, List.of())
                    : ForwardFor.DISABLED;
        }
        if (!(value instanceof MappingNode)) {
            reader.error(value, "expected true, false or a mapping for 'forwardfor', got "
                    + NodeReader.describe(value));
            return inherited.forwardfor();
        }
        Block block = parent.block("forwardfor", List.of("except"));
        List<Cidr> except = new ArrayList<>();
        for (Located<String> range : block.locatedOneOrMore("except")) {
            try {
                except.add(Cidr.parse(range.value()));
            } catch (IllegalArgumentException e) {
                reader.error(range.pos(), e.getMessage());
            }
        }
        return new ForwardFor(true, List.copyOf(except));
    }

    /** The {@code check} block, or null when there is none (servers then count as up) or it is unusable. */
    CheckConfig check(Block parent) {
        Block c = parent.block("check", CHECK_KEYS);
        if (c == null) {
            return null;
        }
        boolean http = c.has("http");
        boolean tcp = c.has("tcp");
        if (http == tcp) {
            reader.error(c.pos(), http ? "check takes 'http' or 'tcp', not both"
                    : "check needs 'http: METHOD PATH' or 'tcp: true'");
            return null;
        }
        Duration inter = c.positiveDuration("inter", DEFAULT_INTER);
        int fall = c.integer("fall", 1, MAX_FALL_RISE, DEFAULT_FALL);
        int rise = c.integer("rise", 1, MAX_FALL_RISE, DEFAULT_RISE);
        return http ? httpCheck(c, inter, fall, rise) : tcpCheck(c, inter, fall, rise);
    }

    private CheckConfig httpCheck(Block c, Duration inter, int fall, int rise) {
        if (c.has("send")) {
            reader.error(c.keyPos("send"), "'send' applies to tcp checks only");
        }
        Located<String> request = c.located("http");
        if (request == null) {
            return null;
        }
        String[] words = request.value().trim().split("\\s+");
        if (words.length != 2 || !HTTP_METHOD.matcher(words[0]).matches() || !words[1].startsWith("/")) {
            reader.error(request.pos(), "bad http check '" + request.value()
                    + "' (use METHOD PATH, e.g. GET /healthz)");
            return null;
        }
        String host = c.string("host");
        int expectStatus = 0;
        String expectString = null;
        Located<String> expect = c.located("expect");
        if (expect != null) {
            String[] parts = expect.value().trim().split("\\s+", 2);
            if (parts.length == 2 && parts[0].equals("status") && parts[1].matches("\\d{3}")
                    && Integer.parseInt(parts[1]) >= 100 && Integer.parseInt(parts[1]) <= 599) {
                expectStatus = Integer.parseInt(parts[1]);
            } else if (parts.length == 2 && parts[0].equals("string")) {
                expectString = parts[1];
            } else {
                reader.error(expect.pos(), "bad expect '" + expect.value()
                        + "' for an http check (use 'status 200' or 'string TEXT')");
            }
        }
        return new CheckConfig(CheckConfig.Kind.HTTP, words[0], words[1], host, null, expectStatus, expectString,
                inter, fall, rise, c.pos());
    }

    private CheckConfig tcpCheck(Block c, Duration inter, int fall, int rise) {
        if (c.has("host")) {
            reader.error(c.keyPos("host"), "'host' applies to http checks only");
        }
        Boolean enabled = reader.bool(c.value("tcp"), "'tcp'");
        if (enabled == null) {
            return null;
        }
        if (!enabled) {
            // tcp: false is most likely an attempt to turn checks off, which is done by leaving 'check' out.
            reader.error(c.value("tcp"), "'tcp' must be true (leave 'check' out to disable health checks)");
            return null;
        }
        String send = c.string("send");
        String expect = c.string("expect");
        if (expect != null && expect.startsWith("string ")) {
            expect = expect.substring("string ".length()).trim();
        }
        return new CheckConfig(CheckConfig.Kind.TCP, null, null, null, send, 0, expect, inter, fall, rise, c.pos());
    }

    /**
     * The {@code servers} block: {@code name: host:port} or {@code name: { address, weight, ... }}. A server
     * with an error is left out; an absent or empty block is an error, since the pool could never serve.
     * Without {@code http} a server {@code cookie} is an error (persistence cookies need HTTP).
     */
    List<ServerConfig> servers(Block parent, String owner, boolean http) {
        if (!parent.has("servers")) {
            reader.error(parent.pos(), owner + " needs 'servers'");
            return List.of();
        }
        Block names = parent.names("servers");
        if (names == null) {
            return List.of();
        }
        if (names.entries().isEmpty()) {
            reader.error(parent.keyPos("servers"), owner + " has no servers");
            return List.of();
        }
        List<ServerConfig> servers = new ArrayList<>();
        for (Block.Entry entry : names.entries()) {
            ServerConfig server = server(entry, http);
            if (server != null && checkName(entry.key(), entry.keyPos(), "server")) {
                servers.add(server);
            }
        }
        return List.copyOf(servers);
    }

    private ServerConfig server(Block.Entry entry, boolean http) {
        String what = "server '" + entry.key() + "'";
        if (entry.value() instanceof ScalarNode) {
            HostPort address = serverAddress(entry.value(), what);
            return address == null ? null : new ServerConfig(entry.key(), address, 1, false, 0, null, entry.keyPos());
        }
        if (!(entry.value() instanceof MappingNode)) {
            reader.error(entry.value(), "expected an address or a mapping for " + what + ", got "
                    + NodeReader.describe(entry.value()));
            return null;
        }
        Block s = reader.block(entry.value(), what, "in " + what, SERVER_KEYS, entry.keyPos());
        boolean h2 = serverProtocol(s, http);
        ServerTls ssl = null;
        if (s.has("ssl") && !http) {
            reader.error(s.keyPos("ssl"), "'ssl' on a server needs HTTP: use it in an l7 backend (an l4 service"
                    + " passes TLS through)");
        } else if (s.has("ssl")) {
            Block block = s.block("ssl", TlsWords.SERVER_KEYS);
            ssl = block == null ? null : new TlsWords(reader).server(block, h2);
        }
        int weight = s.integer("weight", 0, 256, 1);
        boolean backup = s.bool("backup", false);
        int maxconn = s.integer("maxconn", 0, MAX_CONNECTIONS, 0);
        String cookie = s.string("cookie");
        if (cookie != null && !http) {
            reader.error(s.keyPos("cookie"), "cookie needs HTTP: use it in an l7 backend");
            cookie = null;
        }
        if (!s.has("address")) {
            reader.error(entry.keyPos(), what + " needs 'address'");
            return null;
        }
        HostPort address = serverAddress(s.value("address"), "'address'");
        if (address == null || s.has("ssl") && ssl == null) {
            return null;
        }
        return new ServerConfig(entry.key(), address, weight, backup, maxconn, cookie, ssl, h2, entry.keyPos());
    }

    /**
     * A server's {@code proto}: true for {@code h2} (HTTP/2, HAProxy's {@code proto h2} on a server line), false
     * for {@code h1} or none. Only an l7 server speaks HTTP at all.
     */
    private boolean serverProtocol(Block s, boolean http) {
        String proto = s.string("proto");
        if (proto == null) {
            return false;
        }
        if (!http) {
            reader.error(s.keyPos("proto"), "'proto' on a server applies to l7 backends only (an l4 service passes"
                    + " bytes through)");
            return false;
        }
        if (!BIND_PROTOCOLS.contains(proto)) {
            reader.error(s.value("proto"), "unknown server protocol '" + proto + "'; valid protocols: h1 (HTTP/1.1,"
                    + " the default), h2 (HTTP/2: h2c, or over TLS with 'ssl')");
            return false;
        }
        return proto.equals("h2");
    }

    private HostPort serverAddress(Node node, String what) {
        String text = reader.text(node, what, "an address (host:port)");
        if (text == null) {
            return null;
        }
        try {
            HostPort address = HostPort.parse(text);
            if (address.isWildcard()) {
                reader.error(node, "a server address cannot be a wildcard: '" + text + "'");
                return null;
            }
            return address;
        } catch (IllegalArgumentException e) {
            reader.error(node, e.getMessage());
            return null;
        }
    }

    /** The {@code stick-table} block, or null when absent or unusable ({@code type} and {@code size} required). */
    StickTableConfig stickTable(Block parent) {
        Block t = parent.block("stick-table", STICK_TABLE_KEYS);
        if (t == null) {
            return null;
        }
        String type = t.string("type");
        if (type == null && !t.has("type")) {
            reader.error(t.pos(), "stick-table needs 'type' (" + String.join(", ", STICK_TABLE_TYPES) + ")");
        } else if (type != null && !STICK_TABLE_TYPES.contains(type)) {
            reader.error(t.value("type"), "unknown stick-table type '" + type + "'"
                    + Suggestions.hint(type, STICK_TABLE_TYPES, "valid types"));
            type = null;
        }
        Long size = t.size("size", 1, MAX_STICK_TABLE_SIZE);
        if (!t.has("size")) {
            reader.error(t.pos(), "stick-table needs 'size' (e.g. 100k)");
        }
        Duration expire = t.duration("expire", null);
        List<Located<String>> store = t.locatedList("store");
        if (type == null || size == null) {
            return null;
        }
        return new StickTableConfig(type, size, expire, store, t.pos());
    }
}
