package io.tandem.core.balance;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static io.tandem.core.testing.TestServers.server;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RandomBalancerTest {

    @Test
    void twoChoicesKeepConnectionsBalanced() {
        List<Server> servers = List.of(server("a"), server("b"), server("c"), server("d"));
        Balancer balancer = new RandomBalancer(servers);
        for (int i = 0; i < 4000; i++) {
            balancer.select(null, Set.of()).tryAcquire();
        }
        int min = servers.stream().mapToInt(Server::activeConnections).min().orElseThrow();
        int max = servers.stream().mapToInt(Server::activeConnections).max().orElseThrow();
        // One random choice would spread by about ±3 standard deviations (±80); two choices stay within a few.
        assertTrue(max - min <= 10, "spread " + min + ".." + max);
    }
}
