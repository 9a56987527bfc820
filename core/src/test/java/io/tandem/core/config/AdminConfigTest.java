package io.tandem.core.config;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static io.tandem.core.config.ConfigLoaderTest.assertErrors;
import static io.tandem.core.config.ConfigLoaderTest.errors;
import static io.tandem.core.config.ConfigLoaderTest.parse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

class AdminConfigTest {

    @Test
    void designStatsBlockLoadsWithItsValues() throws ConfigException {
        TandemConfig config = parse("admin:\n  stats: { bind: 127.0.0.1:8404, metrics: /metrics, page: /stats }\n")
                .orThrow();
        StatsConfig stats = config.admin().stats();
        assertEquals("127.0.0.1:8404", stats.bind().address().toString());
        assertEquals("/metrics", stats.metricsPath());
        assertEquals("/stats", stats.pagePath());
        assertEquals("/stats;json", stats.jsonPath());
        assertNull(stats.auth());
    }

    @Test
    void anEmptyStatsBlockTakesTheDefaults() throws ConfigException {
        StatsConfig stats = parse("admin:\n  stats: {}\n").orThrow().admin().stats();
        assertEquals(StatsConfig.DEFAULT_BIND, stats.bind().address().toString());
        assertEquals("/metrics", stats.metricsPath());
        assertEquals("/stats", stats.pagePath());
    }

    @Test
    void withoutAdminThereIsNoStatsEndpoint() throws ConfigException {
        assertSame(AdminConfig.NONE, parse("global: { name: a }\n").orThrow().admin());
    }

    @Test
    void basicAuthPasswordComesFromAFileOrTheEnvironmentAndIsNeverPrinted(@org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        Path secret = Files.writeString(dir.resolve("stats.pass"), "s3cret\n");
        StatsConfig fromFile = parse("admin:\n  stats: { auth: { user: ops, password: file:" + secret + " } }\n")
                .orThrow().admin().stats();
        assertEquals(new StatsConfig.Auth("ops", "s3cret"), fromFile.auth());
        assertFalse(fromFile.toString().contains("s3cret"));
        StatsConfig fromEnv = parse("admin:\n  stats: { auth: { user: ops, password: \"${STATS_PASS}\" } }\n",
                Map.of("STATS_PASS", "hunter2")).orThrow().admin().stats();
        assertEquals("hunter2", fromEnv.auth().password());
    }

    @Test
    void badStatsSettingsAreEachReportedWhereTheyStand() {
        assertErrors("""
                admin:
                  stats:
                    bind: 127.0.0.1:8404 accept-proxy
                    metrics: metrics
                    page: /stats?x
                    auth: { user: ops }
                    colour: red
                """,
                "3:11: admin.stats 'bind' is one host:port without options, got '127.0.0.1:8404 accept-proxy'",
                "4:14: 'metrics' must be a path such as /metrics (starting with /, without spaces, ?, # or ;), got 'metrics'",
                "5:11: 'page' must be a path such as /stats (starting with /, without spaces, ?, # or ;), got '/stats?x'",
                "6:5: 'auth' needs both 'user' and 'password' (password: file:/path or ${ENV})",
                "7:5: unknown key 'colour' in stats; valid keys: bind, metrics, page, auth");
    }

    @Test
    void theStatsBindConflictsWithAFrontendOnTheSamePort() {
        List<String> errors = errors(parse("""
                admin:
                  stats: { bind: 127.0.0.1:8404 }
                l7:
                  frontends:
                    web: { bind: 127.0.0.1:8404, default-backend: app }
                  backends:
                    app: { servers: { a: 127.0.0.1:9000 } }
                """));
        assertEquals(List.of("5:18: bind 127.0.0.1:8404 already used by admin.stats at 2:18"), errors);
    }
}
