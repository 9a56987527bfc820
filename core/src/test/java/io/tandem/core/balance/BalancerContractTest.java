package io.tandem.core.balance;

import io.tandem.core.config.BalanceConfig;
import io.tandem.core.config.BalanceConfig.Algorithm;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static io.tandem.core.testing.TestServers.backup;
import static io.tandem.core.testing.TestServers.limited;
import static io.tandem.core.testing.TestServers.server;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The rules every algorithm honours: usable servers only, backups last, exclusions, maxconn, weights, threads. */
class BalancerContractTest {

    static Stream<Arguments> algorithms() {
        return Stream.of(
                Arguments.of(new BalanceConfig(Algorithm.ROUNDROBIN, null, false)),
                Arguments.of(new BalanceConfig(Algorithm.LEASTCONN, null, false)),
                Arguments.of(new BalanceConfig(Algorithm.RANDOM, null, false)),
                Arguments.of(new BalanceConfig(Algorithm.SOURCE, null, false)),
                Arguments.of(new BalanceConfig(Algorithm.URI, null, true)));
    }

    /** Distinct keys so hashing algorithms spread; ignored by the others. */
    private static String key(int i) {
        return "10.0." + (i >> 8 & 255) + "." + (i & 255);
    }

    @ParameterizedTest
    @MethodSource("algorithms")
    void downServerIsNeverPicked(BalanceConfig config) {
        Server a = server("a");
        Server b = server("b");
        Balancer balancer = Balancers.create(config, List.of(a, b));
        b.setUp(false);
        for (int i = 0; i < 1000; i++) {
            assertSame(a, balancer.select(key(i), Set.of()));
        }
        b.setUp(true);
        Set<Server> seen = new java.util.HashSet<>();
        for (int i = 0; i < 1000; i++) {
            seen.add(balancer.select(key(i), Set.of()));
        }
        assertEquals(Set.of(a, b), seen, "a server coming back up is picked again at once");
    }

    /** Every algorithm, Maglev included: drain must hold wherever a server is picked. */
    static Stream<Arguments> algorithmsWithMaglev() {
        return Stream.concat(algorithms(), Stream.of(Arguments.of(new BalanceConfig(Algorithm.MAGLEV, null, false))));
    }

    @ParameterizedTest
    @MethodSource("algorithmsWithMaglev")
    void drainingServerTakesNoNewPicksAndIsPickedAgainAfterUndrain(BalanceConfig config) {
        Server a = server("a");
        Server b = server("b");
        Balancer balancer = Balancers.create(config, List.of(a, b));
        assertTrue(b.tryAcquire(), "a connection already open on b");
        b.setAdminState(Server.AdminState.DRAIN);
        assertTrue(b.isUp(), "drain is an admin state, not health");
        assertEquals(Server.AdminState.DRAIN, b.adminState());
        for (int i = 0; i < 1000; i++) {
            assertSame(a, balancer.select(key(i), Set.of()));
        }
        assertEquals(1, b.activeConnections(), "open connections carry on while draining");
        b.release();

        b.setAdminState(Server.AdminState.READY);
        Set<Server> seen = new java.util.HashSet<>();
        for (int i = 0; i < 1000; i++) {
            seen.add(balancer.select(key(i), Set.of()));
        }
        assertEquals(Set.of(a, b), seen, "an undrained server is picked again at once");
    }

    @ParameterizedTest
    @MethodSource("algorithmsWithMaglev")
    void weightSetAtRunTimeStopsNewPicksAtZeroAndChangesTheShare(BalanceConfig config) {
        Server a = server("a");
        Server b = server("b");
        Balancer balancer = Balancers.create(config, List.of(a, b));
        b.setWeight(0);
        for (int i = 0; i < 1000; i++) {
            assertSame(a, balancer.select(key(i), Set.of()), "weight 0: no new picks");
        }
        if (config.algorithm() == Algorithm.LEASTCONN) {
            // Leastconn weighs open connections, and these picks open none: its shares are LeastConnBalancerTest's.
            return;
        }
        b.setWeight(3);
        int picksOfB = 0;
        for (int i = 0; i < 4000; i++) {
            if (balancer.select(key(i), Set.of()) == b) {
                picksOfB++;
            }
        }
        assertTrue(picksOfB > 2600 && picksOfB < 3400, "weight 3 against 1 takes about 3/4: " + picksOfB);
    }

    @ParameterizedTest
    @MethodSource("algorithms")
    void drainingEveryActiveBringsInBackupsAndADownServerStaysDownAfterUndrain(BalanceConfig config) {
        Server a = server("a");
        Server spare = backup("spare");
        Balancer balancer = Balancers.create(config, List.of(a, spare));
        a.setAdminState(Server.AdminState.DRAIN);
        assertSame(spare, balancer.select(key(1), Set.of()));
        a.setUp(false);
        a.setAdminState(Server.AdminState.READY);
        assertSame(spare, balancer.select(key(1), Set.of()), "undrain does not override health");
        a.setUp(true);
        assertSame(a, balancer.select(key(1), Set.of()));
    }

    @ParameterizedTest
    @MethodSource("algorithms")
    void backupsServeOnlyWhenEveryActiveIsDown(BalanceConfig config) {
        Server a = server("a");
        Server b = server("b");
        Server spare1 = backup("spare1");
        Server spare2 = backup("spare2");
        Balancer balancer = Balancers.create(config, List.of(a, spare1, b, spare2));
        Map<Server, Integer> counts = pick(balancer, 2000, Set.of());
        assertEquals(Set.of(a, b), counts.keySet());

        a.setUp(false);
        assertEquals(Set.of(b), pick(balancer, 500, Set.of()).keySet());

        b.setUp(false);
        counts = pick(balancer, 2000, Set.of());
        assertEquals(Set.of(spare1, spare2), counts.keySet(), "backups balanced among themselves");

        spare1.setUp(false);
        spare2.setUp(false);
        assertNull(balancer.select(key(1), Set.of()));
    }

    @ParameterizedTest
    @MethodSource("algorithms")
    void excludedServersAreSkippedButDoNotBringInBackups(BalanceConfig config) {
        Server a = server("a");
        Server b = server("b");
        Server spare = backup("spare");
        Balancer balancer = Balancers.create(config, List.of(a, b, spare));
        for (int i = 0; i < 500; i++) {
            assertSame(b, balancer.select(key(i), Set.of(a)));
        }
        assertNull(balancer.select(key(1), Set.of(a, b)), "actives are usable, so backups stay out");
    }

    @ParameterizedTest
    @MethodSource("algorithms")
    void fullServersAreSkippedAndNullWhenAllAreFull(BalanceConfig config) {
        Server a = limited("a", 2);
        Server b = limited("b", 2);
        Balancer balancer = Balancers.create(config, List.of(a, b));
        for (int i = 0; i < 4; i++) {
            Server s = balancer.select(key(i), Set.of());
            assertNotNull(s);
            assertTrue(s.tryAcquire());
        }
        assertEquals(2, a.activeConnections());
        assertEquals(2, b.activeConnections());
        assertNull(balancer.select(key(9), Set.of()));
        b.release();
        assertSame(b, balancer.select(key(9), Set.of()));
    }

    @ParameterizedTest
    @MethodSource("algorithms")
    void weightsAreHonouredWithinTwoPercent(BalanceConfig config) {
        Server heavy = server("heavy", 3);
        Server light = server("light", 1);
        Balancer balancer = Balancers.create(config, List.of(heavy, light));
        int picks = 20_000;
        // Connections are held, as under load: leastconn and random weigh by connections per unit of weight.
        Map<Server, Integer> counts = new HashMap<>();
        for (int i = 0; i < picks; i++) {
            Server s = balancer.select(key(i), Set.of());
            assertTrue(s.tryAcquire());
            counts.merge(s, 1, Integer::sum);
        }
        double share = counts.get(heavy) / (double) picks;
        assertEquals(0.75, share, 0.02, "heavy's share was " + share);
    }

    @ParameterizedTest
    @MethodSource("algorithms")
    void nullWhenNoServerIsUsable(BalanceConfig config) {
        Server a = server("a");
        Server zero = server("zero", 0);
        Balancer balancer = Balancers.create(config, List.of(a, zero));
        a.setUp(false);
        assertNull(balancer.select(key(1), Set.of()));
        assertNull(balancer.select(null, Set.of()));
        assertNull(Balancers.create(config, List.of()).select(key(1), Set.of()));
    }

    @ParameterizedTest
    @MethodSource("algorithms")
    void concurrentPicksNeverExceedMaxconnNorPickDownServers(BalanceConfig config) throws Exception {
        List<Server> servers = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            servers.add(limited("s" + i, 3));
        }
        Server down = server("down");
        down.setUp(false);
        servers.add(down);
        Balancer balancer = Balancers.create(config, servers);
        AtomicReference<String> violation = new AtomicReference<>();
        Map<Server, AtomicInteger> picked = new ConcurrentHashMap<>();
        int threads = 4;
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread worker = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < 20_000; i++) {
                    Server s = balancer.select(key(id * 20_000 + i), Set.of());
                    if (s == null) {
                        continue;
                    }
                    if (s == down) {
                        violation.set("picked a down server");
                    }
                    if (s.tryAcquire()) {
                        picked.computeIfAbsent(s, k -> new AtomicInteger()).incrementAndGet();
                        if (s.activeConnections() > 3) {
                            violation.set(s + " above maxconn: " + s.activeConnections());
                        }
                        s.release();
                    }
                }
            });
            workers.add(worker);
            worker.start();
        }
        start.countDown();
        for (Thread worker : workers) {
            worker.join();
        }
        assertNull(violation.get());
        for (int i = 0; i < 5; i++) {
            assertEquals(0, servers.get(i).activeConnections());
            assertTrue(picked.containsKey(servers.get(i)), "every usable server took load");
        }
    }

    static Map<Server, Integer> pick(Balancer balancer, int picks, Set<Server> excluded) {
        Map<Server, Integer> counts = new HashMap<>();
        for (int i = 0; i < picks; i++) {
            Server s = balancer.select(key(i), excluded);
            assertNotNull(s);
            counts.merge(s, 1, Integer::sum);
        }
        return counts;
    }
}
