package io.tandem.core.config;

import org.junit.jupiter.api.Test;

import java.util.List;

import static io.tandem.core.config.ConfigLoaderTest.assertErrors;
import static io.tandem.core.config.ConfigLoaderTest.errors;
import static io.tandem.core.config.ConfigLoaderTest.parse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each kind of config error, at its exact line and column. */
class ConfigErrorsTest {
    /** A valid l7 section to which tests append the one mistake they are about. */
    private static final String L7_HEAD = """
            l7:
              frontends:
                web:
                  bind: 127.0.0.1:8080
                  default-backend: app
              backends:
                app:
                  servers: { a: 10.0.0.1:80 }
            """;

    @Test
    void yamlSyntaxErrorIsReportedAtTheProblemAndGivesNoConfig() {
        LoadResult result = parse("global:\n  name: [a, b\n");
        assertNull(result.config());
        assertEquals(1, result.errors().size());
        assertEquals(3, result.errors().get(0).pos().line());
        assertTrue(result.errors().get(0).message().startsWith("YAML syntax error: "));
        assertThrows(ConfigException.class, result::orThrow);
    }

    @Test
    void misspeltKeyGetsDidYouMean() {
        assertErrors("l7:\n  fronends: {}\n",
                "2:3: unknown key 'fronends' in l7; did you mean 'frontends'?");
    }

    @Test
    void unknownKeyFarFromAnyListsTheValidKeys() {
        assertErrors("global:\n  colour: blue\n",
                "2:3: unknown key 'colour' in global; valid keys: name, workers, maxconn, log, log-format, hard-stop-after");
    }

    @Test
    void everyClusterShareIsAcceptedAndAnUnknownOneIsNamed() {
        assertErrors("cluster: { name: p, bind: 198.18.0.1:7800, members: [198.18.0.1:7800],"
                        + " secret: 0123456789abcdef, share: [stick-tables, rate-limits, server-states, config,"
                        + " sessions] }\n",
                "1:156: unknown cluster share 'sessions'; expected stick-tables, rate-limits, server-states or config");
    }

    @Test
    void sharingTheConfigNeedsOneTopLevelSectionPerLine() {
        assertErrors("{ cluster: { name: p, bind: 198.18.0.1:7800, members: [198.18.0.1:7800],"
                        + " secret: 0123456789abcdef, share: [config] } }\n",
                "1:1: to share the config, its top level must be one section per line (global:, l7:, ...), not a "
                        + "flow mapping");
    }

    @Test
    void adminSocketMustBeAnAbsolutePathThatFitsAUnixSocket() {
        assertErrors("admin: { socket: run/tandem.sock }\n",
                "1:18: admin socket 'run/tandem.sock' must be an absolute path to a file, e.g. /run/tandem/tandem.sock");
        assertErrors("admin: { socket: /" + "x".repeat(120) + " }\n",
                "1:18: admin socket path is longer than a unix socket allows (107 bytes)");
        assertErrors("admin: { sockets: /a }\n",
                "1:10: unknown key 'sockets' in admin; did you mean 'socket'?");
    }

    @Test
    void anIncompleteClusterSaysWhatItNeeds() {
        assertErrors("cluster: { bind: '*:7800', members: [198.18.0.2:7800], secret: short }\n",
                "1:1: cluster needs a 'name' (the same on every node of the pair)",
                "1:19: cluster 'bind' must be this node's own address, not a wildcard (its peers connect to it)",
                "1:37: cluster 'members' must include this node's 'bind' *:7800",
                "1:64: cluster 'secret' is too short: at least 16 bytes (tandem setup writes 32 random bytes to"
                        + " /etc/tandem/cluster.key)");
    }

    @Test
    void duplicateKeyPointsAtTheFirst() {
        assertErrors("global:\n  workers: 1\n  workers: 2\n",
                "3:3: duplicate key 'workers' (first at 2:3)");
    }

    @Test
    void wrongTypeNamesWhatWasExpectedAndWhatWasFound() {
        assertErrors(L7_HEAD + "    other:\n      servers: 10.0.0.2:80\n",
                "10:16: expected a mapping for 'servers', got a string");
        assertErrors("global:\n  maxconn: [1]\n",
                "2:12: expected an integer in 1..10000000 for 'maxconn', got a list");
    }

    @Test
    void badNumbersAndRangesAreReportedAndDefaulted() {
        LoadResult result = parse("global:\n  workers: -1\n  maxconn: lots\n");
        assertEquals(List.of(
                "2:12: 'workers' must be an integer in 0..256, got -1",
                "3:12: expected an integer in 1..10000000 for 'maxconn', got 'lots'"), errors(result));
        assertEquals(0, result.config().global().workers());
        assertEquals(4096, result.config().global().maxconn());
    }

    @Test
    void booleansAreStrictlyTrueOrFalse() {
        assertErrors(L7_HEAD.replace("{ a: 10.0.0.1:80 }", "{ a: { address: 10.0.0.1:80, backup: yes } }"),
                "8:53: expected true or false for 'backup', got 'yes'");
    }

    @Test
    void badDurationShowsTheAcceptedForms() {
        assertErrors("defaults:\n  timeout: { connect: 5 s, client: -1s }\n",
                "2:23: bad duration '5 s' (use e.g. 100ms, 5s, 1m)",
                "2:36: bad duration '-1s' (use e.g. 100ms, 5s, 1m)");
    }

    @Test
    void badAddressesAreReportedAndTheirServerDropped() {
        LoadResult result = parse(L7_HEAD.replace("{ a: 10.0.0.1:80 }",
                "{ a: 10.0.0.1:80, b: 10.0.0.1, c: '[::1]:99999', d: '::1:80', e: 10.0.0.300:80 }"));
        assertEquals(List.of(
                "8:37: bad address '10.0.0.1' (use host:port, [::1]:port)",
                "8:51: bad address '[::1]:99999' (the port must be a number in 1..65535)",
                "8:69: bad address '::1:80' (use host:port, [::1]:port)",
                "8:81: bad address '10.0.0.300:80' (use host:port, [::1]:port)"), errors(result));
        assertEquals(List.of("a"), result.config().l7().backends().get("app").servers().stream()
                .map(ServerConfig::name).toList());
    }

    @Test
    void badCidrInForwardforExcept() {
        assertErrors("defaults:\n  forwardfor: { except: [10.0.0.0/8, 10.0.0.0/33, example.com] }\n",
                "2:38: bad prefix length in '10.0.0.0/33' (use 0..32)",
                "2:51: bad address range 'example.com' (use e.g. 10.0.0.0/8, ::1/128)");
    }

    @Test
    void unknownBackendInUseBackendGetsDidYouMean() {
        assertErrors(L7_HEAD.replace("default-backend: app",
                        "use-backend: [ 'ap if is_api', 'app when x', 'app if' ]\n      default-backend: apq"),
                "5:23: unknown backend 'ap' in use-backend; did you mean 'app'?",
                "5:43: expected 'if' or 'unless' after the backend name, got 'when'",
                "5:57: missing condition after 'if'",
                "6:24: unknown backend 'apq' in default-backend; did you mean 'app'?");
    }

    @Test
    void frontendWithoutBindOrBackendIsAnError() {
        assertErrors("l7:\n  frontends:\n    web: { acl: { a: path / } }\n",
                "3:5: frontend 'web' needs at least one 'bind'",
                "3:5: frontend 'web' has no default-backend and no use-backend");
    }

    @Test
    void backendNeedsServers() {
        assertErrors(L7_HEAD + "    empty: { servers: {} }\n    none: { balance: uri }\n",
                "9:14: backend 'empty' has no servers",
                "10:5: backend 'none' needs 'servers'");
    }

    @Test
    void sameBindTwiceIsReportedAtTheSecond() {
        assertTrue(parse(L7_HEAD).ok());
        String yaml = L7_HEAD.replace("      default-backend: app\n", """
                      default-backend: app
                    api:
                      bind: [ 127.0.0.1:8080 ]
                      default-backend: app
                """);
        assertErrors(yaml, "7:15: bind 127.0.0.1:8080 already used by frontend web at 4:13");
    }

    @Test
    void wildcardBindConflictsWithAnyAddressOnItsPort() {
        String yaml = L7_HEAD.replace("      default-backend: app\n", """
                      default-backend: app
                    api:
                      bind: [ '*:8080', '0.0.0.0:9090', '[::]:9091', 10.1.1.1:9090 ]
                      default-backend: app
                """);
        assertErrors(yaml,
                "7:16: bind *:8080 overlaps bind 127.0.0.1:8080 of frontend web at 4:13",
                "7:54: bind 10.1.1.1:9090 overlaps bind 0.0.0.0:9090 of frontend api at 7:26");
    }

    @Test
    void unknownBindOptionsAreErrorsWithASuggestion() {
        assertErrors(L7_HEAD.replace("bind: 127.0.0.1:8080", "bind: 127.0.0.1:8443 tls crt /x.pem accept-prxy"),
                "4:43: unknown bind option 'accept-prxy'; did you mean 'accept-proxy'?");
    }

    @Test
    void unknownBindOptionFarFromAnyListsTheValidOnes() {
        assertErrors(L7_HEAD.replace("bind: 127.0.0.1:8080", "bind: 127.0.0.1:8080 transparent"),
                "4:28: unknown bind option 'transparent'; valid options: accept-proxy, proto, tls, crt, alpn,"
                        + " min-version, ciphers, ciphersuites");
    }

    @Test
    void bindProtoTakesHaproxysH1OrH2AndNothingElse() {
        assertErrors(L7_HEAD.replace("bind: 127.0.0.1:8080", "bind: [ 127.0.0.1:8080 proto h3, 127.0.0.1:8081 proto ]"),
                "4:36: unknown bind protocol 'h3'; valid protocols: h1, h2 (HTTP/2 with prior knowledge)",
                "4:55: 'proto' needs a protocol; valid protocols: h1, h2 (HTTP/2 with prior knowledge)");
        LoadResult result = parse(L7_HEAD.replace("bind: 127.0.0.1:8080", "bind: 127.0.0.1:8080 accept-proxy proto h2"));
        assertEquals(List.of(), result.errors());
        BindConfig bind = result.config().l7().frontends().get("web").binds().get(0);
        assertTrue(bind.h2());
        assertTrue(bind.acceptProxy());
    }

    @Test
    void everyWrongPortGetsTheSameRangeMessage() {
        for (String port : new String[] {"-1", "0", "65536", "99999999999", "http"}) {
            assertErrors(L7_HEAD.replace("bind: 127.0.0.1:8080", "bind: 127.0.0.1:" + port),
                    "4:13: bad address '127.0.0.1:" + port + "' (the port must be a number in 1..65535)");
        }
    }

    @Test
    void everyCountHasARangeAndOneLineError() {
        assertErrors("""
                global: { workers: 100000, maxconn: 10000001 }
                defaults: { retries: 101 }
                l7:
                  frontends:
                    web: { bind: 127.0.0.1:8080, default-backend: app }
                  backends:
                    app:
                      check: { tcp: true, fall: 1001, rise: 0 }
                      stick-table: { type: ip, size: 2g }
                      servers: { a: { address: 10.0.0.1:80, weight: 257, maxconn: 99999999 } }
                """,
                "1:20: 'workers' must be an integer in 0..256, got 100000",
                "1:37: 'maxconn' must be an integer in 1..10000000, got 10000001",
                "2:22: 'retries' must be an integer in 0..100, got 101",
                "8:33: 'fall' must be an integer in 1..1000, got 1001",
                "8:45: 'rise' must be an integer in 1..1000, got 0",
                "9:38: 'size' must be a size in 1..1g, got 2g",
                "10:53: 'weight' must be an integer in 0..256, got 257",
                "10:67: 'maxconn' must be an integer in 0..10000000, got 99999999");
    }

    @Test
    void durationsLongerThanTheLimitAreErrorsAtTheirValue() {
        assertErrors("global:\n  hard-stop-after: 200000d\ndefaults:\n  timeout: { tunnel: 99999999999d }\n",
                "2:20: duration '200000d' is too long (at most 24d)",
                "4:22: duration '99999999999d' is too long (at most 24d)");
    }

    @Test
    void typeErrorsNameTheTypeTheKeyWants() {
        assertErrors("""
                global: { maxconn: [1, 2], hard-stop-after: { a: 1 } }
                l7:
                  frontends:
                    web: { bind: 127.0.0.1:8080, default-backend: app }
                  backends:
                    app: { servers: { a: { address: [10.0.0.1, 80], backup: [yes] } } }
                """,
                "1:20: expected an integer in 1..10000000 for 'maxconn', got a list",
                "1:45: expected a duration (e.g. 100ms, 5s, 1m) for 'hard-stop-after', got a mapping",
                "6:37: expected an address (host:port) for 'address', got a list",
                "6:61: expected true or false for 'backup', got a list");
    }

    @Test
    void anAliasedValueIsReportedOnceWhereTheAliasStands() {
        assertErrors("""
                l7:
                  frontends:
                    web: { bind: *binds, default-backend: app }
                  backends:
                    app: { servers: { a: 10.0.0.1:80 } }
                """.replace("*binds", "[*one, *one]").replace("l7:", "x: &one [x, x, x, x, x, x, x, x, x]\nl7:"),
                "1:1: unknown key 'x' at the top level; did you mean 'l7'?",
                "4:19: expected a string in 'bind', got a list (quote the text if it contains ': ')",
                "4:25: expected a string in 'bind', got a list (quote the text if it contains ': ')");
        assertErrors("""
                shared: &limits { maxconn: lots }
                global: *limits
                """,
                "1:1: unknown key 'shared' at the top level; valid keys: global, defaults, l7, l4, vrrp, cluster, admin",
                "2:9: expected an integer in 1..10000000 for 'maxconn', got 'lots'");
    }

    @Test
    void aServerThatIsItsOwnServicesListenIsALoop() {
        assertErrors("""
                l4:
                  services:
                    self: { listen: 127.0.0.1:9000, servers: { me: 127.0.0.1:9000 } }
                    any: { listen: "*:9001", servers: { me: localhost:9001 } }
                    dns: { listen: 127.0.0.1:53, protocol: udp, servers: { me: 127.0.0.1:53 } }
                """,
                "3:48: server me 127.0.0.1:9000 is service self's own listen 127.0.0.1:9000: each connection would"
                        + " loop back until maxconn",
                "4:41: server me localhost:9001 is service any's own listen *:9001: each connection would loop back"
                        + " until maxconn",
                "5:60: server me 127.0.0.1:53 is service dns's own listen 127.0.0.1:53: each connection would loop"
                        + " back until maxconn");
    }

    @Test
    void aFrontendWhoseBackendLeadsBackToItIsALoopThroughAnyTier() {
        assertErrors("""
                l7:
                  frontends:
                    web: { bind: "[::]:8080", default-backend: app }
                    api: { bind: "127.0.0.1:8081", default-backend: edge }
                  backends:
                    app: { servers: { a: 127.0.0.1:8080 } }
                    edge: { servers: { a: 127.0.0.2:7000 } }
                l4:
                  services:
                    front: { listen: 127.0.0.2:7000, servers: { l7: 127.0.0.1:8081 } }
                """,
                "6:23: server a 127.0.0.1:8080 is frontend web's own bind [::]:8080: each connection would loop back"
                        + " until maxconn",
                "7:24: server a 127.0.0.2:7000 is listen 127.0.0.2:7000 of service front at 10:22, which leads back"
                        + " to frontend api: each connection would loop back until maxconn",
                "10:49: server l7 127.0.0.1:8081 is bind 127.0.0.1:8081 of frontend api at 4:19, which leads back to"
                        + " service front: each connection would loop back until maxconn");
    }

    @Test
    void twoTiersAndOtherFamiliesAreNotLoops() {
        assertErrors("""
                l7:
                  frontends:
                    web: { bind: "*:8080 accept-proxy", default-backend: app }
                  backends:
                    app: { servers: { a: "[::1]:8080", b: 127.0.0.1:8081 } }
                l4:
                  services:
                    front: { listen: 127.0.0.2:80, servers: { l7: 127.0.0.1:8080 } }
                """);
    }

    @Test
    void balanceAndCookieWordsAreChecked() {
        assertErrors(L7_HEAD + """
                    b1: { balance: magleve, servers: { a: 10.0.0.1:80 } }
                    b2: { balance: roundrobbin, servers: { a: 10.0.0.1:80 } }
                    b3: { balance: uri, hash-type: consistant, servers: { a: 10.0.0.1:80 } }
                    b4: { cookie: SRVID rewrite, servers: { a: 10.0.0.1:80 } }
                    b5: { cookie: SRVID insert nocahe, servers: { a: 10.0.0.1:80 } }
                    b6: { cookie: SRVID, servers: { a: 10.0.0.1:80 } }
                """,
                "9:20: unknown balance 'magleve'; did you mean 'maglev'?",
                "10:20: unknown balance 'roundrobbin'; did you mean 'roundrobin'?",
                "11:36: unknown hash-type 'consistant'; did you mean 'consistent'?",
                "12:25: cookie mode 'rewrite' is not supported yet",
                "13:32: unknown cookie option 'nocahe'; did you mean 'nocache'?",
                "14:19: cookie needs the 'insert' mode (NAME insert [indirect] [nocache] [httponly] [secure])");
    }

    @Test
    void compressionAlgosAreCheckedAndTheBlockLoads() {
        assertErrors(L7_HEAD + """
                    b1: { compression: { algo: gzip brotli, type: text/html }, servers: { a: 10.0.0.1:80 } }
                    b2: { compression: { algo: [deflate, raw-deflate] }, servers: { a: 10.0.0.1:80 } }
                    b3: { compression: { algo: gzip, level: 9 }, servers: { a: 10.0.0.1:80 } }
                """,
                "9:37: unknown compression algo 'brotli' (supported: identity, gzip, deflate, raw-deflate)",
                "10:26: compression algo 'deflate' and 'raw-deflate' answer the same Accept-Encoding token: use one"
                        + " of them",
                "11:38: unknown key 'level' in compression; valid keys: algo, type, offload");
        CompressionConfig loaded = parse(L7_HEAD.replace("servers:",
                "compression: { algo: [gzip, identity], type: text/html text/plain, offload: true }\n      servers:"))
                .config().l7().backends().get("app").compression();
        assertEquals(new CompressionConfig(List.of("gzip", "identity"), List.of("text/html", "text/plain"), true),
                loaded);
    }

    @Test
    void duplicateServerCookieValuesAreAnError() {
        assertErrors(L7_HEAD.replace("{ a: 10.0.0.1:80 }",
                        "{ a: { address: 10.0.0.1:80, cookie: s1 }, b: { address: 10.0.0.2:80, cookie: s1 } }")
                        .replace("      servers:", "      cookie: SRVID insert\n      servers:"),
                "9:59: cookie 's1' already used by server a at 9:18");
    }

    @Test
    void checkNeedsExactlyOneKindAndValidExpectations() {
        assertErrors(L7_HEAD + """
                    c1: { check: { inter: 1s }, servers: { a: 10.0.0.1:80 } }
                    c2: { check: { http: GET /, tcp: true }, servers: { a: 10.0.0.1:80 } }
                    c3: { check: { http: /health, expect: status 700, fall: 0 }, servers: { a: 10.0.0.1:80 } }
                    c4: { check: { http: GET /, expect: status 700, send: x }, servers: { a: 10.0.0.1:80 } }
                    c5: { check: { tcp: false }, servers: { a: 10.0.0.1:80 } }
                """,
                "9:11: check needs 'http: METHOD PATH' or 'tcp: true'",
                "10:11: check takes 'http' or 'tcp', not both",
                "11:26: bad http check '/health' (use METHOD PATH, e.g. GET /healthz)",
                "11:61: 'fall' must be an integer in 1..1000, got 0",
                "12:41: bad expect 'status 700' for an http check (use 'status 200' or 'string TEXT')",
                "12:53: 'send' applies to tcp checks only",
                "13:25: 'tcp' must be true (leave 'check' out to disable health checks)");
    }

    @Test
    void stickTableNeedsTypeAndSize() {
        assertErrors(L7_HEAD + """
                    s1: { stick-table: { expire: 5m }, servers: { a: 10.0.0.1:80 } }
                    s2: { stick-table: { type: ipv4, size: 10q }, servers: { a: 10.0.0.1:80 } }
                """,
                "9:11: stick-table needs 'type' (ip, ipv6, string, integer)",
                "9:11: stick-table needs 'size' (e.g. 100k)",
                "10:32: unknown stick-table type 'ipv4'; did you mean 'ipv6'?",
                "10:44: bad size '10q' (use e.g. 100k, 1m or a plain number)");
    }

    @Test
    void unquotedColonInARuleExplainsItself() {
        assertErrors(L7_HEAD.replace("      default-backend: app\n",
                        "      default-backend: app\n      http-request:\n        - set-header X-A: b\n"),
                "7:11: expected a string in 'http-request', got a mapping (quote the text if it contains ': ')");
    }

    @Test
    void badGlobalLogShapeIsAnError() {
        assertErrors("global:\n  log: syslog://logs\n", "2:8: bad log 'syslog://logs' (use stdout, file:/path,"
                + " syslog://host:port, syslog:/dev/log or none)");
        assertErrors("global:\n  log: syslog:/\n", "2:8: bad log 'syslog:/' (use stdout, file:/path,"
                + " syslog://host:port, syslog:/dev/log or none)");
        assertTrue(parse("global:\n  log: none\n").ok());
        assertTrue(parse("global:\n  log: file:/does/not/exist.log\n").ok());
        assertTrue(parse("global:\n  log: syslog:/dev/log\n").ok());
        assertTrue(parse("global:\n  log: syslog://127.0.0.1:514\n").ok());
    }

    @Test
    void logFormatIsHttplogOrJson() {
        assertEquals(GlobalConfig.LogFormat.JSON, parse("global:\n  log-format: json\n").config().global().logFormat());
        assertEquals(GlobalConfig.LogFormat.HTTPLOG, parse("global: {}\n").config().global().logFormat());
        assertErrors("global:\n  log-format: jsno\n", "2:15: unknown log-format 'jsno'; did you mean 'json'?");
    }

    @Test
    void everyErrorIsReportedInOneRunInFileOrder() {
        LoadResult result = parse("""
                l7:
                  backends:
                    app:
                      balance: roundrobbin
                      servers: { a: 10.0.0.1 }
                  frontends:
                    web:
                      bind: 127.0.0.1:80
                      default-backend: ap
                global:
                  workers: many
                """);
        assertEquals(List.of(
                "4:16: unknown balance 'roundrobbin'; did you mean 'roundrobin'?",
                "5:21: bad address '10.0.0.1' (use host:port, [::1]:port)",
                "9:24: unknown backend 'ap' in default-backend; did you mean 'app'?",
                "11:12: expected an integer in 0..256 for 'workers', got 'many'"), errors(result));
        assertNotNull(result.config());
        assertFalse(result.ok());
    }
}
