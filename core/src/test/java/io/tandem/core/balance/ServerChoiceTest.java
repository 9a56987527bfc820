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

import static io.tandem.core.testing.TestServers.server;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
        return ServerPool.create(new BalanceConfig(BalanceConfig.Algorithm.ROUNDROBIN, null, false), List.of(servers));
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
}
