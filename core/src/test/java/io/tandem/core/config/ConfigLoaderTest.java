package io.tandem.core.config;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigLoaderTest {
    /** The design's example config (global, defaults, l7), without the features that are not supported yet. */
    private static final String DESIGN_EXAMPLE = """
            global:
              name: lb-a
              workers: 0
              maxconn: 50000
              log: stdout

            defaults:
              timeout: { connect: 5s, client: 30s, server: 30s, http-request: 10s, http-keep-alive: 10s, tunnel: 1h, queue: 30s }
              forwardfor: { except: 10.10.0.0/16 }
              retries: 3

            l7:
              frontends:
                https_front:
                  bind:
                    - 10.10.10.100:80
                    - 127.0.0.1:8081 accept-proxy
                  acl:
                    is_api: path_beg /api/
                    is_admin: hdr(host) -i admin.solvethenetwork.com
                    is_static: path_beg /static/ /assets/ /media/
                    is_websocket: hdr(Upgrade) -i websocket
                  stick-table: { type: ip, size: 100k, expire: 5m, store: [ "http_req_rate(10s)" ] }
                  http-request:
                    - redirect scheme https code 301 if !{ ssl_fc }
                    - track-sc0 src
                    - deny deny_status 429 if { sc_http_req_rate(0) gt 100 }
                  use-backend:
                    - ws_cluster if is_websocket
                    - admin_cluster if is_admin
                    - api_cluster if is_api
                    - static_cluster if is_static
                  default-backend: app_cluster
              backends:
                api_cluster:
                  balance: leastconn
                  check: { http: GET /api/health, host: solvethenetwork.com, expect: status 200, inter: 5s, fall: 2, rise: 3 }
                  servers:
                    api-01: 10.10.20.21:8080
                    api-02: 10.10.20.22:8080
                app_cluster:
                  balance: roundrobin
                  cookie: SRVID insert indirect nocache httponly secure
                  check: { http: GET /healthz }
                  servers:
                    app-01: { address: 10.10.20.31:8080, cookie: s01, weight: 1 }
                    app-02: { address: 10.10.20.32:8080, cookie: s02 }
                admin_cluster:
                  balance: leastconn
                  acl: { valid_admin_src: src 10.10.1.0/24 }
                  http-request:
                    - deny unless valid_admin_src
                  servers:
                    adm-01: { address: 10.10.20.41:8443 }
                ws_cluster:
                  balance: roundrobin
                  stick-table: { type: ip, size: 1m, expire: 30m }   # replicated across the pair
                  stick-on: src                                       # or req.cook(NAME)
                  timeout: { tunnel: 3600s }
                  servers: { ws-01: 10.10.20.51:9000 }
                static_cluster:
                  balance: uri
                  servers: { cdn-01: 10.10.20.61:80 }
            """;

    static LoadResult parse(String yaml) {
        return ConfigLoader.parse("t.yaml", yaml, Map.of());
    }

    static LoadResult parse(String yaml, Map<String, String> env) {
        return ConfigLoader.parse("t.yaml", yaml, env);
    }

    /** The errors as the user reads them, {@code LINE:COL: message}, in file order. */
    static List<String> errors(LoadResult result) {
        return result.errors().stream()
                .map(e -> e.pos().line() + ":" + e.pos().column() + ": " + e.message())
                .toList();
    }

    static void assertErrors(String yaml, String... expected) {
        assertEquals(List.of(expected), errors(parse(yaml)));
    }

    @Test
    void designExampleLoadsWithItsValues() throws ConfigException {
        LoadResult result = parse(DESIGN_EXAMPLE);
        assertEquals(List.of(), errors(result));
        TandemConfig config = result.orThrow();

        assertEquals(new GlobalConfig("lb-a", 0, 50000, "stdout", Duration.ofSeconds(30), GlobalConfig.LogFormat.HTTPLOG), config.global());
        assertEquals(3, config.defaults().retries());
        assertEquals(Duration.ofHours(1), config.defaults().timeout().tunnel());
        assertEquals(List.of(Cidr.parse("10.10.0.0/16")), config.defaults().forwardfor().except());
        assertTrue(config.defaults().forwardfor().enabled());

        FrontendConfig front = config.l7().frontends().get("https_front");
        assertEquals(List.of(new HostPort("10.10.10.100", 80), new HostPort("127.0.0.1", 8081)),
                front.binds().stream().map(BindConfig::address).toList());
        assertFalse(front.binds().get(0).acceptProxy());
        assertTrue(front.binds().get(1).acceptProxy());
        assertEquals(List.of("is_api", "is_admin", "is_static", "is_websocket"), List.copyOf(front.acls().keySet()));
        assertEquals(new Located<>("path_beg /api/", new SourcePos("t.yaml", 19, 17)), front.acls().get("is_api"));
        assertEquals("deny deny_status 429 if { sc_http_req_rate(0) gt 100 }", front.httpRequest().get(2).value());
        assertEquals(new SourcePos("t.yaml", 29, 11), front.useBackend().get(0).pos());
        assertEquals("app_cluster", front.defaultBackend().value());
        assertEquals(new StickTableConfig("ip", 100_000, Duration.ofMinutes(5), List.of(new Located<>("http_req_rate(10s)", new SourcePos("t.yaml", 23, 66))),
                new SourcePos("t.yaml", 23, 7)), front.stickTable());
        assertEquals(config.defaults().forwardfor(), front.forwardfor());
        assertEquals(config.defaults().timeout(), front.timeout());

        assertEquals(List.of("api_cluster", "app_cluster", "admin_cluster", "ws_cluster", "static_cluster"),
                List.copyOf(config.l7().backends().keySet()));
        BackendConfig api = config.l7().backends().get("api_cluster");
        assertEquals(BalanceConfig.Algorithm.LEASTCONN, api.balance().algorithm());
        assertEquals(new CheckConfig(CheckConfig.Kind.HTTP, "GET", "/api/health", "solvethenetwork.com", null, 200,
                null, Duration.ofSeconds(5), 2, 3, new SourcePos("t.yaml", 37, 7)), api.check());
        assertEquals(new ServerConfig("api-01", new HostPort("10.10.20.21", 8080), 1, false, 0, null,
                new SourcePos("t.yaml", 39, 9)), api.servers().get(0));
        assertEquals(3, api.retries());

        BackendConfig app = config.l7().backends().get("app_cluster");
        assertEquals(new CookieConfig("SRVID", true, true, true, true), app.cookie());
        assertEquals(List.of("s01", "s02"), app.servers().stream().map(ServerConfig::cookie).toList());
        assertEquals(new CheckConfig(CheckConfig.Kind.HTTP, "GET", "/healthz", null, null, 0, null,
                Duration.ofSeconds(2), 3, 2, new SourcePos("t.yaml", 44, 7)), app.check());

        BackendConfig admin = config.l7().backends().get("admin_cluster");
        assertEquals("src 10.10.1.0/24", admin.acls().get("valid_admin_src").value());
        assertEquals("deny unless valid_admin_src", admin.httpRequest().get(0).value());
        assertNull(admin.check());

        BackendConfig ws = config.l7().backends().get("ws_cluster");
        assertEquals(Duration.ofHours(1), ws.timeout().tunnel());
        assertEquals(Duration.ofSeconds(5), ws.timeout().connect());
        assertEquals("src", ws.stickOn().value());
        assertEquals(List.of(), ws.stickTable().store());
        assertEquals(1_000_000, ws.stickTable().size());

        assertEquals(BalanceConfig.Algorithm.URI, config.l7().backends().get("static_cluster").balance().algorithm());
    }

    @Test
    void emptyFileGivesAllDefaults() {
        LoadResult result = parse("");
        assertTrue(result.ok());
        TandemConfig config = result.config();
        assertEquals(0, config.global().workers());
        assertEquals(4096, config.global().maxconn());
        assertEquals("stdout", config.global().log());
        assertEquals(Duration.ofSeconds(30), config.global().hardStopAfter());
        assertFalse(config.global().name().isEmpty());
        assertEquals(new DefaultsConfig(Timeouts.BUILT_IN, ForwardFor.DISABLED, 3), config.defaults());
        assertTrue(config.l7().frontends().isEmpty());
        assertEquals("/run/tandem/tandem.sock", config.admin().socket());
    }

    @Test
    void adminSocketIsTakenFromTheAdminBlock() {
        LoadResult result = parse("admin:\n  socket: /tmp/t/tandem.sock\n");
        assertTrue(result.ok(), result.errors().toString());
        assertEquals("/tmp/t/tandem.sock", result.config().admin().socket());
    }

    /** Cut anywhere or without any one line, {@code yaml} gives a config or errors, and never an exception. */
    static void assertCutOrLineDroppedNeverThrows(String yaml) {
        for (int end = 0; end < yaml.length(); end += 7) {
            LoadResult result = parse(yaml.substring(0, end));
            assertTrue(result.config() != null || !result.errors().isEmpty(), "cut at " + end);
        }
        String[] lines = yaml.split("\n");
        for (int dropped = 0; dropped < lines.length; dropped++) {
            List<String> kept = new java.util.ArrayList<>(List.of(lines));
            kept.remove(dropped);
            assertNotNull(parse(String.join("\n", kept)).errors(), "without line " + (dropped + 1));
        }
    }

    @Test
    void truncatedOrLineDroppedConfigsNeverThrow() {
        assertCutOrLineDroppedNeverThrows(DESIGN_EXAMPLE);
    }

    @Test
    void aliasBombIsAnErrorNotAHang() {
        StringBuilder yaml = new StringBuilder("a: &a [x, x, x, x, x, x, x, x, x]\n");
        for (char c = 'b'; c <= 'k'; c++) {
            yaml.append(c).append(": &").append(c).append(" [");
            yaml.append(("*" + (char) (c - 1) + ", ").repeat(9)).append("]\n");
        }
        LoadResult result = parse(yaml.toString());
        assertFalse(result.ok());
    }
}
