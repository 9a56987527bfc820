package io.tandem.core.state;

import io.netty.util.concurrent.DefaultEventExecutor;
import io.netty.util.concurrent.EventExecutor;
import io.tandem.core.balance.Server;
import io.tandem.core.balance.ServerPool;
import io.tandem.core.config.BalanceConfig;
import io.tandem.core.config.CheckConfig;
import io.tandem.core.config.ConfigError;
import io.tandem.core.config.HostPort;
import io.tandem.core.config.Located;
import io.tandem.core.config.ServerConfig;
import io.tandem.core.config.SourcePos;
import io.tandem.core.config.StickTableConfig;
import io.tandem.core.health.HealthCheck;
import io.tandem.core.net.EventLoops;
import io.tandem.core.stick.StickTable;
import io.tandem.core.testing.TestHttpBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Compiling against the live state: what is reused, what is replaced, and that nothing changes before commit. */
class RuntimeStateTest {
    private static final BalanceConfig ROUND_ROBIN = new BalanceConfig(BalanceConfig.Algorithm.ROUNDROBIN, null, false);
    private static final Duration CONNECT = Duration.ofSeconds(1);

    private final EventLoops loops = EventLoops.start(1);
    private final RuntimeState state = new RuntimeState(loops);
    private final EventExecutor executor = new DefaultEventExecutor();

    @AfterEach
    void stop() {
        state.close();
        executor.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        loops.close();
    }

    private static ServerConfig server(String name, int port, int weight, int line) {
        return new ServerConfig(name, new HostPort("127.0.0.1", port), weight, false, 0, null,
                new SourcePos("t.yaml", line, 1));
    }

    private static CheckConfig httpCheck(Duration inter, int line) {
        return new CheckConfig(CheckConfig.Kind.HTTP, "GET", "/health", null, null, 0, null, inter, 1, 1,
                new SourcePos("t.yaml", line, 1));
    }

    private static StickTableConfig table(String type, long size, Duration expire) {
        return new StickTableConfig(type, size, expire, List.<Located<String>>of(), new SourcePos("t.yaml", 1, 1));
    }

    /** One backend "web" of the given servers, checked, with a table; {@code line} shifts every position. */
    private record Compiled(List<Server> servers, ServerPool pool, StickTable table, Object counters) {
    }

    private Compiled compileWeb(Recompile compile, int line, String tableType, ServerConfig... servers) {
        List<Server> compiled = new ArrayList<>();
        for (ServerConfig config : servers) {
            Server server = compile.server(Tier.L7, "web", config);
            compile.check(server, httpCheck(Duration.ofSeconds(5), line), CONNECT);
            compiled.add(server);
        }
        List<ConfigError> errors = new ArrayList<>();
        StickTable table = compile.table(Tier.L7, "backend/web", "web", table(tableType, 100, Duration.ofMinutes(5)),
                errors);
        assertEquals(List.of(), errors);
        return new Compiled(compiled, compile.pool(Tier.L7, "web", ROUND_ROBIN, compiled), table,
                compile.shared(Tier.L7, "counters web", StringBuilder.class, StringBuilder::new));
    }

    @Test
    void recompilingTheSameConfigReusesEveryServerPoolTableCounterAndCheck() {
        Recompile first = state.recompile();
        Compiled one = compileWeb(first, 1, "ip", server("a", 1, 1, 1), server("b", 2, 1, 2));
        first.commit();
        HealthCheck checkOfA = state.healthChecks().check(one.servers().get(0));
        assertNotNull(checkOfA);
        // The same config with every line moved (a comment added on top): nothing is new.
        Recompile second = state.recompile();
        Compiled two = compileWeb(second, 10, "ip", server("a", 1, 1, 11), server("b", 2, 1, 12));
        second.commit();
        assertSame(one.servers().get(0), two.servers().get(0));
        assertSame(one.servers().get(1), two.servers().get(1));
        assertSame(one.pool(), two.pool());
        assertSame(one.table(), two.table());
        assertSame(one.counters(), two.counters());
        assertSame(checkOfA, state.healthChecks().check(two.servers().get(0)), "the check runs on, streak and all");
        assertSame(two.pool(), state.pool(Tier.L7, "web"));
        assertSame(two.table(), state.table(Tier.L7, "backend/web"));
    }

    @Test
    void aChangedServerListKeepsHealthAndCountersOfTheServersThatStayed() {
        Recompile first = state.recompile();
        Compiled one = compileWeb(first, 1, "ip", server("a", 1, 1, 1), server("b", 2, 1, 2), server("c", 3, 1, 3));
        first.commit();
        Server a = one.servers().get(0);
        Server b = one.servers().get(1);
        Server c = one.servers().get(2);
        b.setUp(false);
        c.setUp(false);
        c.setAdminState(Server.AdminState.DRAIN);
        assertTrue(a.tryAcquire());
        a.release();
        // a stays as it is, b is dropped, c gets another weight, d is new.
        Recompile second = state.recompile();
        Compiled two = compileWeb(second, 1, "ip", server("a", 1, 1, 1), server("c", 3, 5, 3), server("d", 4, 1, 4));
        Server newC = two.servers().get(1);
        assertNotSame(c, newC, "another weight: a new server");
        assertTrue(newC.isUp(), "nothing live changes before the commit");
        second.commit();
        assertSame(a, two.servers().get(0));
        assertEquals(1, a.totalConnections(), "a's counters carried over");
        assertFalse(newC.isUp(), "c's health carried over to its replacement");
        assertEquals(Server.AdminState.DRAIN, newC.adminState(), "and its admin state");
        assertNotSame(one.pool(), two.pool(), "another server list: another pool");
        assertNull(state.server(Tier.L7, "web", "b"));
        assertNull(state.healthChecks().check(b), "b's check stopped");
        assertNull(state.healthChecks().check(c), "the old c's check stopped");
        assertNotNull(state.healthChecks().check(newC));
        assertNotNull(state.healthChecks().check(two.servers().get(2)));
    }

    @Test
    void aTableKeepsItsEntriesAndTakesItsNewSizeAtCommitButNotAnotherType() {
        Recompile first = state.recompile();
        StickTable table = compileWeb(first, 1, "ip", server("a", 1, 1, 1)).table();
        first.commit();
        table.stick("10.0.0.1", "a");
        table.stick("10.0.0.2", "a");
        Recompile resized = state.recompile();
        List<ConfigError> errors = new ArrayList<>();
        StickTable kept = resized.table(Tier.L7, "backend/web", "web", table("ip", 1, Duration.ofMinutes(1)), errors);
        assertSame(table, kept);
        assertEquals(100, table.capacity(), "the size changes at commit, not before");
        resized.commit();
        assertEquals(1, table.capacity());
        assertEquals(Duration.ofMinutes(1), table.expire());
        assertEquals("a", table.lookup("10.0.0.2").serverId(), "the most recent entry survived the recompile");
        Recompile retyped = state.recompile();
        StickTable other = retyped.table(Tier.L7, "backend/web", "web", table("string", 1, null), errors);
        retyped.commit();
        assertNotSame(table, other, "keys of another type cannot carry over");
        assertNull(other.lookup("10.0.0.2"));
        assertEquals(List.of(), errors);
    }

    @Test
    void keysOfOneTierNeverMeetTheOther() {
        Recompile compile = state.recompile();
        Server l7 = compile.server(Tier.L7, "web", server("s", 1, 1, 1));
        Server l4 = compile.server(Tier.L4, "web", server("s", 1, 1, 1));
        compile.commit();
        assertNotSame(l7, l4);
        assertSame(l7, state.server(Tier.L7, "web", "s"));
        assertSame(l4, state.server(Tier.L4, "web", "s"));
    }

    @Test
    void onlyACurrentCompileOfALiveStateCommits() {
        assertThrows(IllegalStateException.class, () -> Recompile.standalone().commit());
        Recompile stale = state.recompile();
        Recompile fresh = state.recompile();
        fresh.server(Tier.L7, "web", server("a", 1, 1, 1));
        fresh.commit();
        assertThrows(IllegalStateException.class, fresh::commit, "twice");
        assertThrows(IllegalStateException.class, stale::commit, "it was compiled against the state before fresh");
        assertNotNull(state.server(Tier.L7, "web", "a"));
    }

    @Test
    void aHealthChangeOfAnL4ServerNeverReachesTheL7PoolOfTheSameName() throws Exception {
        try (TestHttpBackend l4Backend = TestHttpBackend.start("l4").respondWith(503)) {
            BlockingQueue<String> events = new LinkedBlockingQueue<>();
            state.healthChecks().addListener((s, up, reason) -> events.add(s.qualifiedName() + (up ? " UP" : " DOWN")));
            // Both are called web/s: an L7 backend's server with one slot, and an L4 service's checked server.
            Recompile compile = state.recompile();
            Server l7 = compile.server(Tier.L7, "web", new ServerConfig("s", new HostPort("127.0.0.1", 1), 1, false, 1,
                    null, new SourcePos("t.yaml", 1, 1)));
            ServerPool l7Pool = compile.pool(Tier.L7, "web", ROUND_ROBIN, List.of(l7));
            Server l4 = compile.server(Tier.L4, "web", server("s", l4Backend.port(), 1, 2));
            compile.pool(Tier.L4, "web", ROUND_ROBIN, List.of(l4));
            compile.check(l4, httpCheck(Duration.ofMillis(500), 3), CONNECT);
            compile.commit();
            assertEquals("web/s DOWN", events.poll(10, TimeUnit.SECONDS));
            assertTrue(l7.tryAcquire(), "a request holds the L7 server's only slot");
            CompletableFuture<Server> waiter = new CompletableFuture<>();
            l7Pool.acquire(null, Set.of(), executor, Duration.ofSeconds(30), new ServerPool.AcquireCallback() {
                @Override
                public void onAcquired(Server server) {
                    waiter.complete(server);
                }

                @Override
                public void onQueueTimeout() {
                    waiter.completeExceptionally(new AssertionError("queue timeout"));
                }

                @Override
                public void onNoServer() {
                    waiter.completeExceptionally(new AssertionError("no server"));
                }
            });
            assertEquals(1, l7Pool.queueLength());
            l4Backend.respondWith(200);
            // The pools hear of a transition before any later listener, so the L4 server's UP was delivered.
            assertEquals("web/s UP", events.poll(10, TimeUnit.SECONDS));
            assertFalse(waiter.isDone(), "the L7 waiter was handed " + waiter.getNow(null));
            assertEquals(1, l7Pool.queueLength());
            // The waiter could be served: the L7 server's own slot reaches it.
            l7Pool.release(l7);
            assertSame(l7, waiter.get(5, TimeUnit.SECONDS));
        }
    }
}
