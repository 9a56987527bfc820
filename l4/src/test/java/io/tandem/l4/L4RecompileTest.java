package io.tandem.l4;

import io.tandem.core.testing.Await;
import io.tandem.core.balance.Server;
import io.tandem.core.config.CheckConfig;
import io.tandem.core.config.ConfigError;
import io.tandem.core.config.L4Config;
import io.tandem.core.config.ServiceConfig;
import io.tandem.core.net.EventLoops;
import io.tandem.core.state.Recompile;
import io.tandem.core.state.RuntimeState;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import io.tandem.core.testing.TestPorts;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** L4 compiles apart from running: a recompile against the runtime state keeps what the config still names. */
class L4RecompileTest {
    private static EventLoops loops;

    @BeforeAll
    static void startLoops() {
        loops = EventLoops.start(1);
    }

    @AfterAll
    static void stopLoops() {
        loops.close();
    }

    private static L4Snapshot compileAndCommit(RuntimeState state, ServiceConfig service) {
        List<ConfigError> errors = new ArrayList<>();
        Recompile compile = state.recompile();
        L4Snapshot snapshot = L4Compiler.compile(new L4Config(Map.of(service.name(), service)), errors, compile);
        assertEquals(List.of(), errors);
        compile.commit();
        return snapshot;
    }

    @Test
    void recompilingTheSameServiceReusesItsServersPoolAndCounters() {
        try (RuntimeState state = new RuntimeState(loops)) {
            ServiceConfig config = TestServices.tcp().server("a", 1).server("b", 2).config();
            ServiceRuntime first = compileAndCommit(state, config).service("svc");
            ServiceRuntime second = compileAndCommit(state, config).service("svc");
            assertNotSame(first, second);
            assertSame(first.pool(), second.pool());
            assertSame(first.counters(), second.counters());
            for (int i = 0; i < 2; i++) {
                Server server = first.servers().get(i);
                assertSame(server, second.servers().get(i));
                assertSame(first.counters(server), second.counters(server));
            }
        }
    }

    @Test
    void aChangedServerListKeepsTheCountersAndHealthOfTheServersThatStayed() throws Exception {
        try (RawServer a = RawServer.named("a"); RawServer b = RawServer.named("b");
             TestServices.Running running = TestServices.tcp().server("a", a.port()).start(loops)) {
            assertEquals("a", TcpRelayTest.nameVia(running.address(), 0));
            ServiceRuntime before = running.runtime();
            Server serverA = before.servers().get(0);
            Await.until("no active connection", () -> before.counters(serverA).activeConnections() == 0);
            ServiceRuntime after = compileAndCommit(running.state(),
                    TestServices.tcp().server("a", a.port()).server("b", b.port()).config()).service("svc");
            assertSame(serverA, after.servers().get(0));
            assertEquals(1, after.counters(serverA).totalConnections(), "a's counters carried over");
            assertSame(before.counters(), after.counters());
            assertNotSame(before.pool(), after.pool(), "another server list: another pool");
            serverA.setUp(false);
            running.services().prepare(new L4Snapshot(Map.of("svc", after))).apply();
            assertEquals("b", TcpRelayTest.nameVia(running.address(), 0), "a new connection runs on the new snapshot");
            assertFalse(after.servers().get(0).isUp());
        }
    }

    @Test
    void aReloadThatMovesAListenerOpensTheNewAddressAndClosesTheOld() throws Exception {
        try (RawServer a = RawServer.named("a");
             TestServices.Running running = TestServices.tcp().listenPort(TestPorts.closedPort()).server("a", a.port())
                     .start(loops)) {
            InetSocketAddress before = running.address();
            assertEquals("a", TcpRelayTest.nameVia(before, 0));
            L4Snapshot moved = compileAndCommit(running.state(),
                    TestServices.tcp().listenHost("127.0.0.2").listenPort(before.getPort()).server("a", a.port())
                            .config());
            List<String> changes = running.services().prepare(moved).apply();
            assertEquals(2, changes.size(), changes.toString());
            assertEquals("a", TcpRelayTest.nameVia(running.address(), 0));
            assertEquals("127.0.0.2", running.address().getAddress().getHostAddress());
            assertThrows(IOException.class, () -> new Socket(before.getAddress(), before.getPort()).close(),
                    "the old address refuses connections");
        }
    }

    @Test
    void aReloadKeepsTheSocketOfAServiceThatListensWhereItDid() throws Exception {
        try (RawServer a = RawServer.named("a"); RawServer b = RawServer.named("b");
             TestServices.Running running = TestServices.tcp().listenPort(TestPorts.closedPort()).server("a", a.port())
                     .start(loops)) {
            InetSocketAddress address = running.address();
            L4Snapshot next = compileAndCommit(running.state(),
                    TestServices.tcp().listenPort(address.getPort()).server("b", b.port()).config());
            assertEquals(List.of(), running.services().prepare(next).apply(), "the same listen: no listener change");
            assertEquals(address, running.address());
            assertEquals("b", TcpRelayTest.nameVia(address, 0));
        }
    }

    @Test
    void aServerTheRecompileDropsGetsNoNewConnectionsAndItsCheckStops() throws Exception {
        CheckConfig connect = new CheckConfig(CheckConfig.Kind.TCP, null, null, null, null, 0, null,
                Duration.ofMillis(100), 1, 1, TestServices.POS);
        try (RawServer a = RawServer.named("a"); RawServer b = RawServer.named("b");
             TestServices.Running running = TestServices.tcp().check(connect).server("a", a.port())
                     .server("b", b.port()).start(loops)) {
            // Before: both serve and both are checked (connections beyond the relayed ones).
            Set<String> served = new HashSet<>();
            for (int i = 0; i < 4; i++) {
                served.add(TcpRelayTest.nameVia(running.address(), 0));
            }
            assertEquals(Set.of("a", "b"), served);
            Await.until("b checked", () -> b.accepted() >= 2 + 2);
            Server retired = running.runtime().servers().get(1);

            L4Snapshot next = compileAndCommit(running.state(),
                    TestServices.tcp().check(connect).server("a", a.port()).config());
            running.services().prepare(next).apply();
            int bAtCommit = b.accepted();
            assertNull(running.state().healthChecks().check(retired), "b's check stopped");
            // The window, measured by a's check, which runs on at the same interval: five more of its connects.
            int aAtCommit = a.accepted();
            Await.until("five more checks of a", () -> a.accepted() >= aAtCommit + 5);
            // A connect begun just before the commit may complete after it: one at most.
            assertTrue(b.accepted() <= bAtCommit + 1, "b checked on: " + (b.accepted() - bAtCommit));
            int bBefore = b.accepted();
            for (int i = 0; i < 4; i++) {
                assertEquals("a", TcpRelayTest.nameVia(running.address(), 0), "only a is left");
            }
            assertEquals(bBefore, b.accepted(), "b got a connection after it was retired");
        }
    }
}
