package io.tandem.l7;

import io.tandem.core.config.ConfigError;
import io.tandem.core.config.ConfigLoader;
import io.tandem.core.config.LoadResult;
import io.tandem.core.stick.StickData;
import io.tandem.core.stick.StickTable;
import io.tandem.l7.proxy.L7Snapshot;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Stick tables, track-sc rules and stick-on through the whole config path: YAML, loader, compiler. */
class StickCompileTest {

    private static List<String> errors(String yaml) {
        LoadResult loaded = ConfigLoader.parse("t.yaml", yaml, Map.of());
        List<ConfigError> errors = new ArrayList<>(loaded.errors());
        if (loaded.config() != null) {
            L7Compiler.compile(loaded.config(), errors);
        }
        return errors.stream().map(ConfigError::toString).toList();
    }

    private static L7Snapshot compile(String yaml) {
        LoadResult loaded = ConfigLoader.parse("t.yaml", yaml, Map.of());
        List<ConfigError> errors = new ArrayList<>(loaded.errors());
        L7Snapshot snapshot = L7Compiler.compile(loaded.config(), errors);
        assertEquals(List.of(), errors);
        return snapshot;
    }

    @Test
    void theArticlesRateLimitAndStickOnCompile() {
        L7Snapshot snapshot = compile("""
                l7:
                  frontends:
                    https_front:
                      bind: 127.0.0.1:8080
                      stick-table: { type: ip, size: 100k, expire: 5m, store: [ "http_req_rate(10s)" ] }
                      http-request:
                        - track-sc0 src
                        - deny deny_status 429 if { sc_http_req_rate(0) gt 100 }
                      default-backend: ws_cluster
                  backends:
                    ws_cluster:
                      balance: roundrobin
                      stick-table: { type: ip, size: 1m, expire: 30m }
                      stick-on: src
                      servers: { ws-01: 127.0.0.1:9000 }
                """);
        StickTable front = snapshot.frontends().get("https_front").stickTable();
        assertEquals(100_000, front.capacity());
        assertEquals(Duration.ofMinutes(5), front.expire());
        assertEquals(Duration.ofSeconds(10), front.schema().period(StickData.HTTP_REQ_RATE));
        assertEquals(List.of("frontend/https_front", "backend/ws_cluster"), List.copyOf(snapshot.stickTables().keySet()));
        assertTrue(snapshot.backends().get("ws_cluster").stickTable().stores(StickData.SERVER_ID));
    }

    @Test
    void stickErrorsPointAtTheirColumns() {
        // Backends compile first; a section's sc_* fetches are checked once all its rules are read.
        assertEquals(List.of(
                "t.yaml:5:51: stick-table store 'gpc0' is not supported yet",
                "t.yaml:21:34: no stick-table named 'nope'",
                "t.yaml:25:17: unknown fetch 'req.cok'; did you mean 'req.cook'?",
                "t.yaml:8:21: stick-table of a does not store http_req_cnt",
                "t.yaml:13:11: 'track-sc0' needs a stick-table: frontend 'b' has none "
                        + "(add a stick-table or name one with 'table NAME')"), errors("""
                l7:
                  frontends:
                    a:
                      bind: 127.0.0.1:8080
                      stick-table: { type: ip, size: 10, store: [ gpc0, "http_req_rate(1s)" ] }
                      http-request:
                        - track-sc0 src
                        - deny if { sc_http_req_cnt(0) gt 1 } || { sc_http_req_rate(0) gt 5 }
                      default-backend: pool
                    b:
                      bind: 127.0.0.1:8081
                      http-request:
                        - track-sc0 src
                        - track-sc1 src table pool
                      default-backend: pool
                  backends:
                    pool:
                      stick-table: { type: string, size: 10 }
                      stick-on: src
                      http-request:
                        - track-sc2 hdr(x) table nope
                      servers: { s1: 127.0.0.1:9000 }
                    other:
                      stick-table: { type: string, size: 10 }
                      stick-on: req.cok(SESSION)
                      servers: { s1: 127.0.0.1:9000 }
                """));
    }
}
