package io.tandem.core.balance;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.tandem.core.testing.TestServers.server;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

class LeastConnBalancerTest {

    @Test
    void leastconnPrefersIdleServer() {
        Server busy = server("busy");
        Server idle = server("idle");
        Balancer balancer = new LeastConnBalancer(List.of(busy, idle));
        busy.tryAcquire();
        busy.tryAcquire();
        for (int i = 0; i < 10; i++) {
            assertSame(idle, balancer.select(null, Set.of()));
        }
    }

    @Test
    void connectionsAreWeighedPerUnitOfWeight() {
        Server big = server("big", 4);
        Server small = server("small", 1);
        Balancer balancer = new LeastConnBalancer(List.of(big, small));
        for (int i = 0; i < 3; i++) {
            big.tryAcquire();
        }
        small.tryAcquire();
        // big: 3/4 per weight, small: 1/1 per weight.
        assertSame(big, balancer.select(null, Set.of()));
    }

    @Test
    void idleServersShareShortRequestsEvenly() {
        Server a = server("a");
        Server b = server("b");
        Server c = server("c");
        Balancer balancer = new LeastConnBalancer(List.of(a, b, c));
        // Requests that finish before the next arrives leave every server idle: ties must rotate.
        Map<Server, Integer> counts = BalancerContractTest.pick(balancer, 3000, Set.of());
        assertEquals(Map.of(a, 1000, b, 1000, c, 1000), counts);
    }
}
