package io.tandem.l7;

import io.tandem.core.balance.Server;
import io.tandem.core.config.ConfigError;
import io.tandem.core.config.ConfigLoader;
import io.tandem.core.config.LoadResult;
import io.tandem.core.metrics.CounterKeys;
import io.tandem.core.metrics.HttpCounters;
import io.tandem.core.net.EventLoops;
import io.tandem.core.state.Recompile;
import io.tandem.core.state.RuntimeState;
import io.tandem.core.state.Tier;
import io.tandem.core.stick.StickTable;
import io.tandem.l7.proxy.BackendRuntime;
import io.tandem.l7.proxy.L7Snapshot;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** An L7 config compiled again against the runtime state: what it still names keeps its live state. */
class L7RecompileTest {
    private static final String CONFIG = """
            l7:
              frontends:
                web:
                  bind: 127.0.0.1:8080
                  stick-table: { type: ip, size: 100k, expire: 5m, store: [ "http_req_rate(10s)" ] }
                  http-request:
                    - track-sc0 src
                  default-backend: app
              backends:
                app:
                  balance: leastconn
                  check: { http: GET /health, inter: 5s }
                  stick-table: { type: ip, size: 1k, expire: 30m }
                  stick-on: src
                  servers:
                    app-1: 127.0.0.1:9001
                    app-2: 127.0.0.1:9002
                    app-3: 127.0.0.1:9003
            """;

    private final EventLoops loops = EventLoops.start(1);
    private final RuntimeState state = new RuntimeState(loops);

    @AfterEach
    void stop() {
        state.close();
        loops.close();
    }

    private L7Snapshot compileAndCommit(String yaml) {
        LoadResult loaded = ConfigLoader.parse("t.yaml", yaml, Map.of());
        List<ConfigError> errors = new ArrayList<>(loaded.errors());
        Recompile compile = state.recompile();
        L7Snapshot snapshot = L7Compiler.compile(loaded.config(), errors, compile);
        assertEquals(List.of(), errors);
        compile.commit();
        return snapshot;
    }

    @Test
    void recompilingTheSameConfigReusesEveryServerPoolAndTable() {
        L7Snapshot first = compileAndCommit(CONFIG);
        L7Snapshot second = compileAndCommit("# the same config, every line one further down\n" + CONFIG);
        assertNotSame(first, second, "a new snapshot of compiled policy");
        BackendRuntime before = first.backends().get("app");
        BackendRuntime after = second.backends().get("app");
        assertSame(before.pool(), after.pool());
        for (int i = 0; i < 3; i++) {
            assertSame(before.servers().get(i), after.servers().get(i));
        }
        assertEquals(List.copyOf(first.stickTables().keySet()), List.copyOf(second.stickTables().keySet()));
        first.stickTables().forEach((name, table) -> assertSame(table, second.stickTables().get(name), name));
        assertEquals(3, state.healthChecks().checks().size());
    }

    @Test
    void aChangedServerListKeepsTheHealthAndCountersOfTheServersThatStayed() {
        L7Snapshot first = compileAndCommit(CONFIG);
        Server app1 = state.server(Tier.L7, "app", "app-1");
        Server app2 = state.server(Tier.L7, "app", "app-2");
        app2.setUp(false);
        assertTrue(app1.tryAcquire());
        first.backends().get("app").pool().release(app1);
        L7Snapshot second = compileAndCommit(CONFIG.replace("        app-3: 127.0.0.1:9003\n", "")
                .replace("app-1: 127.0.0.1:9001\n", "app-1: 127.0.0.1:9001\n        app-4: 127.0.0.1:9004\n"));
        List<Server> servers = second.backends().get("app").servers();
        assertEquals(List.of("app-1", "app-4", "app-2"), servers.stream().map(Server::name).toList());
        assertSame(app1, servers.get(0));
        assertSame(app2, servers.get(2));
        assertEquals(1, servers.get(0).totalConnections(), "app-1's counters carried over");
        assertFalse(servers.get(2).isUp(), "app-2 is still DOWN");
        assertTrue(servers.get(1).isUp(), "the new server starts UP, as at startup");
        assertNotSame(first.backends().get("app").pool(), second.backends().get("app").pool());
        assertNull(state.server(Tier.L7, "app", "app-3"));
        assertEquals(3, state.healthChecks().checks().size(), "app-3's check stopped, app-4's started");
        assertNotNull(state.healthChecks().check(servers.get(1)));
    }

    @Test
    void httpCountersSurviveARecompileEvenOfAServerWhoseSettingsChanged() {
        L7Snapshot first = compileAndCommit(CONFIG);
        BackendRuntime app = first.backends().get("app");
        Server app1 = app.servers().get(0);
        first.frontends().get("web").counters().request(200, 1_000_000, HttpCounters.Outcome.DONE, 0, 0);
        app.counters().request(200, 1_000_000, HttpCounters.Outcome.DONE, 0, 0);
        app.counters(app1).request(404, 1_000_000, HttpCounters.Outcome.DONE, 0, 0);
        L7Snapshot second = compileAndCommit(CONFIG.replace("app-1: 127.0.0.1:9001",
                "app-1: { address: 127.0.0.1:9001, weight: 5 }"));
        BackendRuntime after = second.backends().get("app");
        Server replaced = after.servers().get(0);
        assertNotSame(app1, replaced, "a new weight makes a new server");
        assertSame(app.counters(app1), after.counters(replaced), "its counters are filed by name");
        assertEquals(1, after.counters(replaced).responses(HttpCounters.classIndex(404)));
        assertSame(app.counters(), after.counters());
        assertEquals(1, second.frontends().get("web").counters().requests());
        assertSame(after.counters(replaced), state.shared(Tier.L7, CounterKeys.server("app/app-1"),
                HttpCounters.class), "the runtime API finds the same counters");
    }

    @Test
    void aTablesEntriesSurviveARecompile() {
        L7Snapshot first = compileAndCommit(CONFIG);
        StickTable front = first.frontends().get("web").stickTable();
        front.touch("10.0.0.1");
        first.backends().get("app").stickTable().stick("10.0.0.1", "app-2");
        L7Snapshot second = compileAndCommit(CONFIG.replace("size: 1k, expire: 30m", "size: 2k, expire: 1h"));
        assertNotNull(second.frontends().get("web").stickTable().lookup("10.0.0.1"));
        StickTable back = second.backends().get("app").stickTable();
        assertEquals("app-2", back.lookup("10.0.0.1").serverId());
        assertEquals(2000, back.capacity(), "the new size applies to the kept table");
        L7Snapshot third = compileAndCommit(CONFIG.replace("type: ip, size: 1k", "type: string, size: 1k"));
        assertNotEquals(back, third.backends().get("app").stickTable(), "another key type: another table");
        assertSame(front, third.frontends().get("web").stickTable(), "the frontend's table was not changed");
    }

    @Test
    void aCompileWithErrorsChangesNothingLive() {
        L7Snapshot first = compileAndCommit(CONFIG);
        StickTable back = first.backends().get("app").stickTable();
        LoadResult loaded = ConfigLoader.parse("t.yaml", CONFIG.replace("size: 1k", "size: 5")
                .replace("- track-sc0 src", "- track-sc0 src\n        - deny if { nosuchfetch }"), Map.of());
        List<ConfigError> errors = new ArrayList<>(loaded.errors());
        L7Compiler.compile(loaded.config(), errors, state.recompile());
        assertFalse(errors.isEmpty(), "the config has an error");
        assertEquals(1000, back.capacity(), "not committed: the table keeps its size");
        assertSame(first.backends().get("app").pool(), state.pool(Tier.L7, "app"));
    }
}
