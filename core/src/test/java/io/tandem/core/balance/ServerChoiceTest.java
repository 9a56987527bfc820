package io.tandem.core.balance;

import io.netty.util.concurrent.DefaultEventExecutor;
import io.netty.util.concurrent.EventExecutor;
import io.tandem.core.config.BalanceConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.tandem.core.testing.TestServers.backup;
import static io.tandem.core.testing.TestServers.limited;
import static io.tandem.core.testing.TestServers.server;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The one server choice of both tiers: persistence, the balancer, retries elsewhere, then back to failed servers. */
class ServerChoiceTest {
    private final EventExecutor executor = new DefaultEventExecutor();
    private final List<String> outcomes = new ArrayList<>();

    @AfterEach
    void stop() {
        executor.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private final ServerPool.AcquireCallback record = new ServerPool.AcquireCallback() {
        @Override
        public void onAcquired(Server s) {
            outcomes.add(s.name());
        }

        @Override
        public void onQueueTimeout() {
            outcomes.add("queue timeout");
        }

        @Override
        public void onNoServer() {
            outcomes.add("no server");
        }
    };

    private static ServerPool pool(Server... servers) {
        return pool(BalanceConfig.Algorithm.ROUNDROBIN, servers);
    }

    private static ServerPool pool(BalanceConfig.Algorithm algorithm, Server... servers) {
        return ServerPool.create(new BalanceConfig(algorithm, null, false), List.of(servers));
    }

    private ServerChoice choice(ServerPool pool, int retries) {
        return new ServerChoice(pool, retries, executor, Duration.ofSeconds(5), record);
    }

    /** Runs {@code body} on the executor and waits for it, as the data path runs on its event loop. */
    private void onLoop(Runnable body) {
        executor.submit(body).syncUninterruptibly();
    }

    @Test
    void aUsablePreferredServerWinsOverTheBalancerAndADownOneIsSkipped() {
        Server a = server("a");
        Server b = server("b");
        ServerPool pool = pool(a, b);
        ServerChoice stuck = choice(pool, 3);
        onLoop(() -> stuck.start(null, null, b));
        assertEquals(List.of("b"), outcomes);
        assertTrue(stuck.persisted());
        b.setUp(false);
        ServerChoice balanced = choice(pool, 3);
        // A cookie or table naming a server that went down: the balancer picks instead.
        onLoop(() -> balanced.start(null, b, null));
        assertEquals(List.of("b", "a"), outcomes);
        assertFalse(balanced.persisted());
    }

    @Test
    void retriesGoToServersNotTriedThenBackToFailedOnesUpToTheLimit() {
        Server a = server("a");
        Server b = server("b");
        ServerPool pool = pool(a, b);
        ServerChoice choice = choice(pool, 3);
        onLoop(() -> choice.start(null));
        // Every connect fails: each attempt's server is released and excluded, as TcpSession and Exchange do.
        while (choice.canRetry()) {
            Server failed = outcomes.get(outcomes.size() - 1).equals("a") ? a : b;
            pool.release(failed);
            onLoop(() -> choice.retry(failed));
        }
        assertEquals(3, choice.retries());
        assertEquals(4, outcomes.size(), outcomes.toString());
        assertTrue(!outcomes.get(0).equals(outcomes.get(1)), "the first retry goes to the other server: " + outcomes);
        assertTrue(outcomes.subList(2, 4).containsAll(List.of("a", "b")),
                "once both failed, retries go back to them: " + outcomes);
    }

    @Test
    void noRetriesMeansOneAttempt() {
        ServerPool pool = pool(server("a"));
        ServerChoice choice = choice(pool, 0);
        onLoop(() -> choice.start(null));
        assertEquals(List.of("a"), outcomes);
        assertFalse(choice.canRetry());
    }

    @Test
    void noUsableServerIsReportedOnce() {
        Server a = server("a");
        a.setUp(false);
        ServerPool pool = pool(a);
        onLoop(() -> choice(pool, 3).start(null));
        assertEquals(List.of("no server"), outcomes);
    }

    @Test
    void theCookieServerComesBeforeTheStickEntryAndAFullOneGivesWay() {
        Server cookie = limited("cookie", 1);
        Server stuck = server("stuck");
        Server other = server("other");
        ServerPool pool = pool(cookie, stuck, other);
        ServerChoice first = choice(pool, 3);
        onLoop(() -> first.start(null, cookie, stuck));
        assertEquals(List.of("cookie"), outcomes, "the cookie names a server: it wins");
        assertTrue(first.persisted());
        // The cookie's server is at its maxconn now: the table's server takes the request, still persistent.
        ServerChoice second = choice(pool, 3);
        onLoop(() -> second.start(null, cookie, stuck));
        assertEquals(List.of("cookie", "stuck"), outcomes);
        assertTrue(second.persisted());
        stuck.setAdminState(Server.AdminState.MAINT);
        ServerChoice third = choice(pool, 3);
        onLoop(() -> third.start(null, cookie, stuck));
        assertEquals(List.of("cookie", "stuck", "other"), outcomes, "full or in maintenance: the balancer picks");
        assertFalse(third.persisted());
    }

    @Test
    void theBalancerHashesTheKeySoOneKeyKeepsItsServer() {
        ServerPool pool = pool(BalanceConfig.Algorithm.SOURCE, server("a"), server("b"), server("c"), server("d"));
        for (int i = 0; i < 4; i++) {
            ServerChoice choice = choice(pool, 0);
            onLoop(() -> choice.start("198.18.0.7"));
            pool.release(byName(pool, outcomes.get(outcomes.size() - 1)));
        }
        assertEquals(4, outcomes.size());
        assertEquals(1, outcomes.stream().distinct().count(), "one key, one server: " + outcomes);
    }

    @Test
    void aRetryExcludesEveryServerThatFailedAndDropsPersistence() {
        Server a = server("a");
        Server b = server("b");
        Server c = server("c");
        ServerPool pool = pool(BalanceConfig.Algorithm.SOURCE, a, b, c);
        ServerChoice choice = choice(pool, 2);
        onLoop(() -> choice.start("198.18.0.7", b, null));
        assertEquals(List.of("b"), outcomes);
        assertTrue(choice.persisted());
        pool.release(b);
        onLoop(() -> choice.retry(b));
        assertFalse(choice.persisted(), "the retry is the balancer's, not the stuck server's");
        Server second = byName(pool, outcomes.get(1));
        assertNotEquals(b, second, "the failed server is excluded: " + outcomes);
        pool.release(second);
        onLoop(() -> choice.retry(second));
        assertEquals(3, outcomes.size());
        assertEquals(List.of("a", "b", "c"), outcomes.stream().sorted().toList(),
                "each attempt on a server not tried yet, whatever the hash says: " + outcomes);
        assertFalse(choice.canRetry());
    }

    @Test
    void backupServersServeOnlyWhileNoActiveServerIsUsable() {
        Server active = server("active");
        Server spare = backup("spare");
        ServerPool pool = pool(active, spare);
        ServerChoice before = choice(pool, 0);
        onLoop(() -> before.start(null));
        pool.release(active);
        active.setUp(false);
        pool.serverStateChanged(active);
        ServerChoice during = choice(pool, 0);
        onLoop(() -> during.start(null));
        pool.release(spare);
        active.setUp(true);
        pool.serverStateChanged(active);
        ServerChoice after = choice(pool, 0);
        onLoop(() -> after.start(null));
        assertEquals(List.of("active", "spare", "active"), outcomes);
    }

    @Test
    void aRetryWhenEveryServerWentDownEndsInNoServerOnce() {
        Server a = server("a");
        Server b = server("b");
        ServerPool pool = pool(a, b);
        ServerChoice choice = choice(pool, 3);
        onLoop(() -> choice.start(null));
        Server failed = byName(pool, outcomes.get(0));
        pool.release(failed);
        a.setUp(false);
        b.setUp(false);
        // Every server excluded or down: going back to the failed ones finds none usable either.
        onLoop(() -> choice.retry(failed));
        assertEquals(List.of(failed.name(), "no server"), outcomes);
    }

    @Test
    void aChoiceWaitsWhileEveryServerIsFullAndCancelLeavesTheQueue() {
        Server only = limited("only", 1);
        ServerPool pool = pool(only);
        assertTrue(only.tryAcquire(), "another request holds the only slot");
        ServerChoice waiting = choice(pool, 0);
        onLoop(() -> waiting.start(null));
        assertEquals(1, pool.queueLength());
        onLoop(waiting::cancel);
        assertEquals(0, pool.queueLength());
        ServerChoice served = choice(pool, 0);
        onLoop(() -> served.start(null));
        assertEquals(1, pool.queueLength());
        onLoop(() -> pool.release(only));
        // The slot goes to the waiter that stayed, never to the one that left.
        onLoop(() -> { });
        assertEquals(List.of("only"), outcomes);
        assertEquals(0, pool.queueLength());
    }

    private static Server byName(ServerPool pool, String name) {
        return pool.servers().stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
    }
}
