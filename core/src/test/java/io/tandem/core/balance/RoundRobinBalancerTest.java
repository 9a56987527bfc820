package io.tandem.core.balance;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static io.tandem.core.testing.TestServers.server;
import static org.junit.jupiter.api.Assertions.assertEquals;

class RoundRobinBalancerTest {

    private static String order(Balancer balancer, int picks) {
        StringBuilder names = new StringBuilder();
        for (int i = 0; i < picks; i++) {
            names.append(balancer.select(null, Set.of()).name());
        }
        return names.toString();
    }

    @Test
    void weightsInterleaveSmoothlyRatherThanInBursts() {
        Balancer balancer = new RoundRobinBalancer(List.of(server("A", 3), server("B", 1)));
        assertEquals("AABA".repeat(3), order(balancer, 12));
    }

    @Test
    void nginxReferenceSequenceForWeights5_1_1() {
        Balancer balancer = new RoundRobinBalancer(List.of(server("a", 5), server("b", 1), server("c", 1)));
        assertEquals("aabacaa".repeat(2), order(balancer, 14));
    }

    @Test
    void equalWeightsAlternate() {
        Balancer balancer = new RoundRobinBalancer(List.of(server("x"), server("y"), server("z")));
        assertEquals("xyzxyz", order(balancer, 6));
    }
}
