package io.tandem.core.balance;

import io.netty.util.concurrent.DefaultEventExecutor;
import io.netty.util.concurrent.EventExecutor;
import io.tandem.core.config.BalanceConfig;
import io.tandem.core.config.BalanceConfig.Algorithm;
import io.tandem.core.config.HostPort;
import io.tandem.core.testing.TestServers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.tandem.core.testing.TestServers.limited;
import static io.tandem.core.testing.TestServers.server;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ServerPoolTest {
    private static final Duration LONG = Duration.ofSeconds(10);
    private static final BalanceConfig ROUND_ROBIN = new BalanceConfig(Algorithm.ROUNDROBIN, null, false);

    private final EventExecutor executor = new DefaultEventExecutor();

    @AfterEach
    void stop() {
        executor.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Records the single outcome and checks that it arrived on the executor. */
    private final class Outcome implements ServerPool.AcquireCallback {
        final CompletableFuture<String> result = new CompletableFuture<>();
        volatile Server server;
        volatile int calls;

        @Override
        public void onAcquired(Server s) {
            server = s;
            finish("acquired " + s.name());
        }

        @Override
        public void onQueueTimeout() {
            finish("queue timeout");
        }

        @Override
        public void onNoServer() {
            finish("no server");
        }

        private void finish(String what) {
            calls++;
            result.complete(executor.inEventLoop() ? what : what + " on the wrong thread");
        }

        String await() throws Exception {
            return result.get(5, TimeUnit.SECONDS);
        }
    }

    private Outcome acquire(ServerPool pool, Duration timeout) {
        Outcome outcome = new Outcome();
        pool.acquire(null, Set.of(), executor, timeout, outcome);
        return outcome;
    }

    @Test
    void freeServerIsAcquiredAtOnceWithItsSlotTaken() throws Exception {
        Server a = limited("a", 1);
        ServerPool pool = ServerPool.create(ROUND_ROBIN, List.of(a));
        assertEquals("acquired a", acquire(pool, LONG).await());
        assertEquals(1, a.activeConnections());
        pool.release(a);
        assertEquals(0, a.activeConnections());
    }

    @Test
    void maxconnIsRespectedAndReleaseHandsTheSlotToTheOldestWaiter() throws Exception {
        Server a = limited("a", 1);
        ServerPool pool = ServerPool.create(ROUND_ROBIN, List.of(a));
        assertEquals("acquired a", acquire(pool, LONG).await());
        Outcome first = acquire(pool, LONG);
        Outcome second = acquire(pool, LONG);
        assertEquals(2, pool.queueLength());
        assertFalse(first.result.isDone());

        pool.release(a);
        assertEquals("acquired a", first.await());
        assertFalse(second.result.isDone(), "one slot, one waiter served");
        assertEquals(1, a.activeConnections());
        assertEquals(1, pool.queueLength());

        pool.release(a);
        assertEquals("acquired a", second.await());
        assertEquals(0, pool.queueLength());
    }

    @Test
    void newcomersQueueBehindWaitersInsteadOfOvertaking() throws Exception {
        Server a = limited("a", 1);
        ServerPool pool = ServerPool.create(ROUND_ROBIN, List.of(a));
        acquire(pool, LONG).await();
        Outcome waiting = acquire(pool, LONG);
        pool.release(a);
        Outcome newcomer = acquire(pool, LONG);
        assertEquals("acquired a", waiting.await());
        assertFalse(newcomer.result.isDone());
    }

    /** Hand-offs run on the executor: once a task queued after them has run, every earlier one has too. */
    private void settle() throws InterruptedException {
        executor.submit(() -> { }).sync();
    }

    @Test
    void queueTimeoutFiresWhenNoSlotFrees() throws Exception {
        Server a = limited("a", 1);
        ServerPool pool = ServerPool.create(ROUND_ROBIN, List.of(a));
        acquire(pool, LONG).await();
        long start = System.nanoTime();
        Outcome waiting = acquire(pool, Duration.ofMillis(100));
        assertEquals("queue timeout", waiting.await());
        assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(100));
        assertEquals(0, pool.queueLength());
        pool.release(a);
        assertEquals(0, a.activeConnections(), "a timed-out waiter is not handed the slot");
        settle();
        assertEquals(1, waiting.calls);
    }

    @Test
    void waiterIsNotHandedAServerItExcludes() throws Exception {
        Server a = limited("a", 1);
        Server b = limited("b", 1);
        ServerPool pool = ServerPool.create(ROUND_ROBIN, List.of(a, b));
        acquire(pool, LONG).await();
        acquire(pool, LONG).await();
        Outcome retry = new Outcome();
        pool.acquire(null, Set.of(a), executor, LONG, retry);
        pool.release(a);
        settle();
        assertFalse(retry.result.isDone());
        pool.release(b);
        assertEquals("acquired b", retry.await());
    }

    @Test
    void noServerWhenNothingIsUsable() throws Exception {
        Server a = server("a");
        ServerPool pool = ServerPool.create(ROUND_ROBIN, List.of(a));
        a.setUp(false);
        assertFalse(pool.anyUsable());
        assertEquals("no server", acquire(pool, LONG).await());
        Outcome excludedAll = new Outcome();
        a.setUp(true);
        pool.acquire(null, Set.of(a), executor, LONG, excludedAll);
        assertEquals("no server", excludedAll.await());
    }

    @Test
    void serverComingUpServesWaitersAndLastOneDownFailsThem() throws Exception {
        Server a = limited("a", 1);
        Server b = limited("b", 1);
        ServerPool pool = ServerPool.create(ROUND_ROBIN, List.of(a, b));
        b.setUp(false);
        acquire(pool, LONG).await();
        Outcome waiting = acquire(pool, LONG);
        b.setUp(true);
        pool.serverStateChanged(b);
        assertEquals("acquired b", waiting.await());

        Outcome orphan = acquire(pool, LONG);
        a.setUp(false);
        pool.serverStateChanged(a);
        assertFalse(orphan.result.isDone(), "b is still up");
        b.setUp(false);
        pool.serverStateChanged(b);
        assertEquals("no server", orphan.await());
    }

    @Test
    void cancelledWaiterLeavesTheQueue() throws Exception {
        Server a = limited("a", 1);
        ServerPool pool = ServerPool.create(ROUND_ROBIN, List.of(a));
        acquire(pool, LONG).await();
        Outcome gone = new Outcome();
        ServerPool.Waiting waiting = pool.acquire(null, Set.of(), executor, LONG, gone);
        assertTrue(waiting.cancel());
        assertEquals(0, pool.queueLength());
        pool.release(a);
        assertEquals(0, a.activeConnections());
        assertFalse(waiting.cancel());
    }

    @Test
    void cookieFindsUsableServerOnly() {
        Server a = TestServers.server("test", "a", new HostPort("127.0.0.1", 1), 1, false, 0,
                "s01");
        Server b = server("b");
        ServerPool pool = ServerPool.create(ROUND_ROBIN, List.of(a, b));
        assertSame(a, pool.byCookie("s01"));
        assertNull(pool.byCookie("nope"));
        assertNull(pool.byCookie(null));
        a.setUp(false);
        assertNull(pool.byCookie("s01"));
        assertEquals(List.of(a, b), pool.servers());
    }

    @Test
    void drainingServerKeepsItsCookieClientsButGetsNoneFromTheBalancer() throws Exception {
        Server a = TestServers.server("test", "a", new HostPort("127.0.0.1", 1), 1, false, 0,
                "s01");
        Server b = server("b");
        ServerPool pool = ServerPool.create(ROUND_ROBIN, List.of(a, b));
        a.setAdminState(Server.AdminState.DRAIN);
        pool.serverStateChanged(a);
        assertSame(a, pool.byCookie("s01"), "a sticky client still reaches a draining server, as in HAProxy");
        assertEquals("acquired b", acquire(pool, LONG).await());
        assertEquals("acquired b", acquire(pool, LONG).await());
        a.setAdminState(Server.AdminState.READY);
        pool.serverStateChanged(a);
        assertSame(a, pool.byCookie("s01"));
    }

    @Test
    void serverInMaintenanceIsSkippedByCookieAndBalancing() throws Exception {
        Server a = TestServers.server("test", "a", new HostPort("127.0.0.1", 1), 1, false, 0,
                "s01");
        Server b = server("b");
        ServerPool pool = ServerPool.create(ROUND_ROBIN, List.of(a, b));
        a.setAdminState(Server.AdminState.MAINT);
        pool.serverStateChanged(a);
        assertNull(pool.byCookie("s01"), "a sticky client is redispatched off a server in maintenance");
        assertTrue(pool.hasCookie("s01"));
        assertEquals("acquired b", acquire(pool, LONG).await());
        assertEquals("acquired b", acquire(pool, LONG).await());
    }

    @Test
    void concurrentAcquireAndReleaseNeverLoseAWaiterNorExceedMaxconn() throws Exception {
        Server a = limited("a", 2);
        Server b = limited("b", 2);
        ServerPool pool = ServerPool.create(new BalanceConfig(Algorithm.LEASTCONN, null, false), List.of(a, b));
        int requests = 2000;
        CountDownLatch done = new CountDownLatch(requests);
        AtomicInteger overLimit = new AtomicInteger();
        ExecutorService clients = Executors.newFixedThreadPool(4);
        for (int i = 0; i < requests; i++) {
            clients.execute(() -> pool.acquire(null, Set.of(), executor, LONG, new ServerPool.AcquireCallback() {
                @Override
                public void onAcquired(Server s) {
                    if (s.activeConnections() > 2) {
                        overLimit.incrementAndGet();
                    }
                    clients.execute(() -> {
                        pool.release(s);
                        done.countDown();
                    });
                }

                @Override
                public void onQueueTimeout() {
                }

                @Override
                public void onNoServer() {
                }
            }));
        }
        assertTrue(done.await(20, TimeUnit.SECONDS), "requests left: " + done.getCount());
        clients.shutdown();
        assertEquals(0, overLimit.get());
        assertEquals(0, a.activeConnections() + b.activeConnections());
        assertEquals(0, pool.queueLength());
    }

    @Test
    void aRetiredPoolHandsItsWaitersToItsSuccessorAndOffersItSlotsFreedLater() throws Exception {
        Server a = limited("a", 1);
        ServerPool old = ServerPool.create(ROUND_ROBIN, List.of(a));
        assertTrue(a.tryAcquire(), "a request on the old snapshot holds a's only slot");
        Outcome first = acquire(old, LONG);
        Outcome second = acquire(old, LONG);
        assertEquals(2, old.queueLength());
        Server b = limited("b", 1);
        assertTrue(b.tryAcquire());
        ServerPool next = ServerPool.create(ROUND_ROBIN, List.of(a, b));
        old.retireInto(next);
        assertEquals(0, old.queueLength());
        assertEquals(2, next.queueLength(), "the waiters moved, none was served or dropped");
        old.release(a);
        assertEquals("acquired a", first.await(), "a slot freed through the old pool reaches the oldest waiter");
        next.release(b);
        assertEquals("acquired b", second.await());
        assertEquals(1, first.calls);
    }

    @Test
    void aMovedWaiterStillTimesOutAndCanBeCancelled() throws Exception {
        Server a = limited("a", 1);
        ServerPool old = ServerPool.create(ROUND_ROBIN, List.of(a));
        assertTrue(a.tryAcquire());
        Outcome timesOut = acquire(old, Duration.ofMillis(200));
        Outcome cancelled = new Outcome();
        ServerPool.Waiting waiting = old.acquire(null, Set.of(), executor, LONG, cancelled);
        ServerPool next = ServerPool.create(ROUND_ROBIN, List.of(a));
        old.retireInto(next);
        assertTrue(waiting.cancel(), "the handle finds its waiter in the successor's queue");
        assertEquals("queue timeout", timesOut.await(), "the deadline set in the old pool holds in the new one");
        assertEquals(0, next.queueLength());
        assertEquals(0, cancelled.calls);
    }

    @Test
    void sameAsComparesTheServerObjectsAndTheBalance() {
        Server a = server("a");
        Server b = server("b");
        ServerPool pool = ServerPool.create(ROUND_ROBIN, List.of(a, b));
        assertTrue(pool.sameAs(ROUND_ROBIN, List.of(a, b)));
        assertFalse(pool.sameAs(ROUND_ROBIN, List.of(b, a)), "another order balances otherwise");
        assertFalse(pool.sameAs(ROUND_ROBIN, List.of(a, server("b"))), "another server of the same name");
        assertFalse(pool.sameAs(new BalanceConfig(Algorithm.LEASTCONN, null, false), List.of(a, b)));
        assertTrue(pool.contains(a));
        assertFalse(pool.contains(server("a")));
    }
}
