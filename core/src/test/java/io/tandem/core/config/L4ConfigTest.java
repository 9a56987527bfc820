package io.tandem.core.config;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static io.tandem.core.config.ConfigLoaderTest.assertCutOrLineDroppedNeverThrows;
import static io.tandem.core.config.ConfigLoaderTest.assertErrors;
import static io.tandem.core.config.ConfigLoaderTest.errors;
import static io.tandem.core.config.ConfigLoaderTest.parse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The {@code l4} block: services with their values, each error at its line and column, binds shared with l7. */
class L4ConfigTest {
    /** A valid l4 section to which tests append the one mistake they are about (from line 6 on). */
    private static final String L4_HEAD = """
            l4:
              services:
                web:
                  listen: 10.0.0.1:80
                  servers: { a: 10.0.0.2:80 }
            """;

    /** Every key of a service, and a UDP service with defaults. */
    private static final String FULL = """
            defaults:
              timeout: { connect: 4s, client: 20s }
            l4:
              services:
                web:
                  listen: 10.10.10.100:80
                  protocol: tcp
                  balance: maglev
                  hash-type: consistent
                  send-proxy: v2
                  check: { tcp: true, inter: 2s, fall: 2, rise: 2 }
                  servers: { l7-a: 10.10.10.111:8081, l7-b: { address: 10.10.10.112:8081, weight: 3, backup: true, maxconn: 100 } }
                  timeout: { connect: 5s, client: 30s, server: 30s, tunnel: 1h }
                  maxconn: 10000
                  dataplane: userspace
                dns:
                  listen: '[::]:53'
                  protocol: udp
                  balance: source
                  send-proxy: none
                  servers: { ns1: 10.0.0.53:53 }
            """;

    private static SourcePos at(int line, int column) {
        return new SourcePos("t.yaml", line, column);
    }

    @Test
    void fullServiceLoadsWithItsValuesAndDefaultsFillTheRest() throws ConfigException {
        TandemConfig config = parse(FULL).orThrow();

        assertEquals(List.of("web", "dns"), List.copyOf(config.l4().services().keySet()));
        ServiceConfig web = config.l4().services().get("web");
        assertEquals(new ServiceConfig("web",
                new BindConfig(new HostPort("10.10.10.100", 80), false, at(6, 15)),
                ServiceConfig.Protocol.TCP,
                new BalanceConfig(BalanceConfig.Algorithm.MAGLEV, null, true),
                2, false,
                new CheckConfig(CheckConfig.Kind.TCP, null, null, null, null, 0, null, Duration.ofSeconds(2), 2, 2,
                        at(11, 7)),
                List.of(new ServerConfig("l7-a", new HostPort("10.10.10.111", 8081), 1, false, 0, null, at(12, 18)),
                        new ServerConfig("l7-b", new HostPort("10.10.10.112", 8081), 3, true, 100, null,
                                at(12, 43))),
                new Timeouts(Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofSeconds(30),
                        Duration.ofSeconds(10), Duration.ofSeconds(10), Duration.ofHours(1), Duration.ofSeconds(30)),
                10000, 3, at(5, 5)), web);

        ServiceConfig dns = config.l4().services().get("dns");
        assertEquals(new BindConfig(new HostPort("::", 53), false, at(17, 16)), dns.listen());
        assertEquals(ServiceConfig.Protocol.UDP, dns.protocol());
        assertEquals(new BalanceConfig(BalanceConfig.Algorithm.SOURCE, null, false), dns.balance());
        assertEquals(0, dns.sendProxy());
        assertNull(dns.check());
        assertEquals(0, dns.maxconn());
        assertEquals(new Timeouts(Duration.ofSeconds(4), Duration.ofSeconds(20), Duration.ofSeconds(30),
                Duration.ofSeconds(10), Duration.ofSeconds(10), Duration.ofHours(1), Duration.ofSeconds(30)),
                dns.timeout(), "unset timeouts come from defaults, then the built-in values");
        assertTrue(config.l7().frontends().isEmpty(), "a config with only l4 is valid");
    }

    @Test
    void serviceDefaultsAreTcpRoundrobinNoProxyHeaderNoCheck() throws ConfigException {
        ServiceConfig web = parse(L4_HEAD).orThrow().l4().services().get("web");
        assertEquals(ServiceConfig.Protocol.TCP, web.protocol());
        assertEquals(new BalanceConfig(BalanceConfig.Algorithm.ROUNDROBIN, null, false), web.balance());
        assertEquals(0, web.sendProxy());
        assertNull(web.check());
        assertEquals(Timeouts.BUILT_IN, web.timeout());
        assertEquals(0, web.maxconn());
        assertEquals(3, web.retries(), "HAProxy's and defaults' 3");
        assertFalse(web.listen().acceptProxy());
    }

    @Test
    void retriesComeFromTheServiceElseFromDefaults() throws ConfigException {
        String yaml = """
                defaults: { retries: 1 }
                l4:
                  services:
                    web: { listen: 127.0.0.1:80, servers: { a: 127.0.0.1:81 } }
                    db: { listen: 127.0.0.1:5432, retries: 0, servers: { a: 127.0.0.1:5433 } }
                """;
        TandemConfig config = parse(yaml).orThrow();
        assertEquals(1, config.l4().services().get("web").retries());
        assertEquals(0, config.l4().services().get("db").retries());
        assertErrors(L4_HEAD + "      retries: -1\n", "6:16: 'retries' must be an integer in 0..100, got -1");
    }

    @Test
    void articlePostgresAndRedisServicesLoad() throws ConfigException {
        TandemConfig config = parse("""
                l4:
                  services:
                    postgres:
                      listen: 10.10.10.100:5432
                      balance: leastconn
                      check: { tcp: true }
                      servers:
                        pg-01: 10.10.30.11:5432
                        pg-02: { address: 10.10.30.12:5432, backup: true }
                    redis:
                      listen: 10.10.10.100:6379 accept-proxy
                      check: { tcp: true, send: "PING\\r\\n", expect: "+PONG" }
                      servers: { redis-01: 10.10.30.21:6379 }
                """).orThrow();
        ServiceConfig postgres = config.l4().services().get("postgres");
        assertEquals(BalanceConfig.Algorithm.LEASTCONN, postgres.balance().algorithm());
        assertEquals(new CheckConfig(CheckConfig.Kind.TCP, null, null, null, null, 0, null, Duration.ofSeconds(2), 3,
                2, at(6, 7)), postgres.check());
        assertEquals(List.of("pg-01", "pg-02"), postgres.servers().stream().map(ServerConfig::name).toList());
        assertTrue(postgres.servers().get(1).backup());

        ServiceConfig redis = config.l4().services().get("redis");
        assertTrue(redis.listen().acceptProxy());
        assertEquals("PING\r\n", redis.check().send());
        assertEquals("+PONG", redis.check().expectString());
    }

    @Test
    void httpChecksAreAllowedOnL4Services() throws ConfigException {
        ServiceConfig web = parse(L4_HEAD.replace("      servers:",
                "      check: { http: GET /healthz, expect: status 200 }\n      servers:")).orThrow()
                .l4().services().get("web");
        assertEquals(CheckConfig.Kind.HTTP, web.check().kind());
        assertEquals("/healthz", web.check().path());
        assertEquals(200, web.check().expectStatus());
    }

    @Test
    void truncatedOrLineDroppedServicesNeverThrow() {
        assertCutOrLineDroppedNeverThrows(FULL);
    }

    @Test
    void misspeltKeysGetDidYouMean() {
        assertErrors("l4:\n  servces: {}\n",
                "2:3: unknown key 'servces' in l4; did you mean 'services'?");
        assertErrors(L4_HEAD + "      protocl: udp\n      colour: blue\n",
                "6:7: unknown key 'protocl' in service 'web'; did you mean 'protocol'?",
                "7:7: unknown key 'colour' in service 'web'; valid keys: listen, protocol, balance, hash-type,"
                        + " send-proxy, splice, check, servers, timeout, maxconn, retries, dataplane");
    }

    @Test
    void wrongTypesNameWhatWasExpected() {
        assertErrors("l4:\n  services: [web]\n",
                "2:13: expected a mapping for 'services', got a list");
        assertErrors(L4_HEAD + "    dns: 10.0.0.1:53\n",
                "6:10: expected a mapping for service 'dns', got a string");
        assertErrors(L4_HEAD + "      maxconn: lots\n      timeout: { connect: soon }\n",
                "6:16: expected an integer in 0..10000000 for 'maxconn', got 'lots'",
                "7:27: bad duration 'soon' (use e.g. 100ms, 5s, 1m)");
    }

    @Test
    void duplicateAndBadServiceNamesAreErrors() {
        assertErrors(L4_HEAD + "    web:\n      listen: 10.0.0.1:81\n      servers: { a: 10.0.0.2:80 }\n",
                "6:5: duplicate key 'web' (first at 3:5)");
        assertErrors(L4_HEAD + "    'my web': { listen: 10.0.0.1:81, servers: { a: 10.0.0.2:80 } }\n",
                "6:6: bad service name 'my web' (use letters, digits, '-', '_', '.', ':')");
    }

    @Test
    void serviceNeedsListenAndServers() {
        LoadResult result = parse(L4_HEAD + """
                    nolisten: { servers: { a: 10.0.0.2:80 } }
                    noservers: { listen: 10.0.0.1:81 }
                    empty: { listen: 10.0.0.1:82, servers: {} }
                """);
        assertEquals(List.of(
                "6:5: service 'nolisten' needs 'listen'",
                "7:5: service 'noservers' needs 'servers'",
                "8:35: service 'empty' has no servers"), errors(result));
        assertEquals(List.of("web", "noservers", "empty"), List.copyOf(result.config().l4().services().keySet()),
                "a service without a listen address is left out");
    }

    @Test
    void httpOnlyFeaturesSayWhereTheyBelong() {
        assertErrors(L4_HEAD + """
                    b1: { listen: 10.0.0.1:81, balance: uri, servers: { a: 10.0.0.2:80 } }
                    b2: { listen: 10.0.0.1:82, balance: hdr(Host), servers: { a: 10.0.0.2:80 } }
                    b3: { listen: 10.0.0.1:83, servers: { a: { address: 10.0.0.2:80, cookie: s1 } } }
                """,
                "6:41: balance 'uri' needs HTTP: use it in an l7 backend",
                "7:41: balance 'hdr(Host)' needs HTTP: use it in an l7 backend",
                "8:70: cookie needs HTTP: use it in an l7 backend");
    }

    @Test
    void badWordsAreCheckedWithDidYouMean() {
        assertErrors(L4_HEAD + """
                    b1: { listen: 10.0.0.1:81, balance: magleve, hash-type: consistant, servers: { a: 10.0.0.2:80 } }
                    b2: { listen: 10.0.0.1:82, balance: weighted, servers: { a: 10.0.0.2:80 } }
                    b3: { listen: 10.0.0.1:83, protocol: tpc, send-proxy: v3, servers: { a: 10.0.0.2:80 } }
                    b4: { listen: 10.0.0.1:84, dataplane: ebpf, servers: { a: 10.0.0.2:80 } }
                """,
                "6:41: unknown balance 'magleve'; did you mean 'maglev'?",
                "6:61: unknown hash-type 'consistant'; did you mean 'consistent'?",
                "7:41: unknown balance 'weighted'; valid algorithms: roundrobin, leastconn, source, random, maglev",
                "8:42: unknown protocol 'tpc'; did you mean 'tcp'?",
                "8:59: unknown send-proxy 'v3'; did you mean 'v1'?",
                "9:43: unknown dataplane 'ebpf'; valid dataplanes: userspace, nftables, ipvs");
    }

    @Test
    void kernelDataplanesAreNotSupportedYet() {
        assertErrors(L4_HEAD + """
                    k1: { listen: 10.0.0.1:81, dataplane: nftables, servers: { a: 10.0.0.2:80 } }
                    k2: { listen: 10.0.0.1:82, dataplane: ipvs, servers: { a: 10.0.0.2:80 } }
                """,
                "6:43: dataplane 'nftables' is not supported yet",
                "7:43: dataplane 'ipvs' is not supported yet");
    }

    @Test
    void listenLineIsABindLine() {
        assertErrors(L4_HEAD + """
                    t1: { listen: 10.0.0.1:443 tls crt /x.pem, servers: { a: 10.0.0.2:80 } }
                    t2: { listen: 10.0.0.1:82 accept-prxy, servers: { a: 10.0.0.2:80 } }
                    t3: { listen: 10.0.0.1, servers: { a: 10.0.0.2:80 } }
                    t4: { listen: [ 10.0.0.1:84 ], servers: { a: 10.0.0.2:80 } }
                """,
                "6:32: 'tls' applies to l7 binds only (an l4 service passes TLS through to its servers)",
                "6:36: 'crt' applies to l7 binds only (an l4 service passes TLS through to its servers)",
                "7:31: unknown listen option 'accept-prxy'; did you mean 'accept-proxy'?",
                "8:19: bad address '10.0.0.1' (use host:port, [::1]:port)",
                "9:19: expected a string for 'listen', got a list");
    }

    @Test
    void proxyHeadersAreTcpOnly() {
        assertErrors(L4_HEAD + """
                    u1: { listen: 10.0.0.1:53 accept-proxy, protocol: udp, servers: { a: 10.0.0.2:53 } }
                    u2: { listen: 10.0.0.1:54, protocol: udp, send-proxy: v2, servers: { a: 10.0.0.2:53 } }
                """,
                "6:31: 'accept-proxy' applies to tcp services only",
                "7:47: 'send-proxy' applies to tcp services only");
    }

    @Test
    void spliceIsTcpOnlyAndABoolean() {
        assertErrors(L4_HEAD + """
                    u1: { listen: 10.0.0.1:53, protocol: udp, splice: true, servers: { a: 10.0.0.2:53 } }
                    t1: { listen: 10.0.0.1:81, splice: maybe, servers: { a: 10.0.0.2:80 } }
                """,
                "6:47: 'splice' applies to tcp services only",
                "7:40: expected true or false for 'splice', got 'maybe'");
    }

    @Test
    void tcpListenConflictsWithAnL7BindEitherWay() {
        String l7 = """
                l7:
                  frontends:
                    front:
                      bind: [ 10.0.0.1:80, 127.0.0.1:8081 accept-proxy ]
                      default-backend: app
                  backends:
                    app:
                      servers: { a: 10.0.0.9:80 }
                """;
        assertErrors(l7 + L4_HEAD,
                "12:15: listen 10.0.0.1:80 already used by frontend front at 4:15");
        assertErrors(L4_HEAD + l7,
                "9:15: bind 10.0.0.1:80 already used by service web at 4:15");
        assertErrors(l7 + L4_HEAD.replace("10.0.0.1:80", "'*:8081'"),
                "12:16: listen *:8081 overlaps bind 127.0.0.1:8081 of frontend front at 4:28");
        assertErrors(L4_HEAD.replace("10.0.0.1:80", "0.0.0.0:8081") + l7,
                "9:28: bind 127.0.0.1:8081 overlaps listen 0.0.0.0:8081 of service web at 4:15");
    }

    @Test
    void udpListensConflictOnlyWithUdpListens() {
        String yaml = L4_HEAD + """
                    dns: { listen: 10.0.0.1:80, protocol: udp, servers: { a: 10.0.0.2:53 } }
                    dns2: { listen: '*:80', protocol: udp, servers: { a: 10.0.0.2:53 } }
                    web2: { listen: 10.0.0.1:80, servers: { a: 10.0.0.2:80 } }
                """;
        assertErrors(yaml,
                "7:22: listen *:80 overlaps listen 10.0.0.1:80 of service dns at 6:20",
                "8:21: listen 10.0.0.1:80 already used by service web at 4:15");
    }
}
