package io.tandem.core.balance;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.tandem.core.testing.TestServers.server;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Maglev: agreement without shared state, minimal disruption, even and weighted spread. */
class MaglevBalancerTest {
    private static final int KEYS = 100_000;

    private static List<Server> servers(int n) {
        List<Server> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            list.add(server("l7-" + i));
        }
        return list;
    }

    private static String key(int i) {
        return "198.18.0." + (i % 250) + ":" + (1024 + i);
    }

    @Test
    void twoIndependentlyBuiltTablesPickTheSameServerForEveryFlow() {
        List<Server> nodeA = servers(7);
        List<Server> nodeB = servers(7);
        List<Server> reversed = new ArrayList<>(nodeB);
        java.util.Collections.reverse(reversed);
        MaglevBalancer a = new MaglevBalancer(nodeA);
        MaglevBalancer b = new MaglevBalancer(reversed);
        for (int i = 0; i < KEYS; i++) {
            assertEquals(a.select(key(i), Set.of()).name(), b.select(key(i), Set.of()).name(), key(i));
        }
    }

    @Test
    void removingOneOfNServersMovesAboutOneNthOfFlows() {
        int n = 10;
        List<Server> list = servers(n);
        MaglevBalancer maglev = new MaglevBalancer(list);
        Map<String, String> before = new HashMap<>();
        for (int i = 0; i < KEYS; i++) {
            before.put(key(i), maglev.select(key(i), Set.of()).name());
        }
        list.get(3).setUp(false);
        int moved = 0;
        for (int i = 0; i < KEYS; i++) {
            String now = maglev.select(key(i), Set.of()).name();
            assertNotEquals("l7-3", now);
            if (!now.equals(before.get(key(i)))) {
                moved++;
            }
        }
        double fraction = moved / (double) KEYS;
        assertTrue(fraction <= 1.0 / n + 0.02, "moved " + fraction);
        assertTrue(fraction >= 1.0 / n - 0.02, "moved " + fraction + ": at least the down server's flows move");
    }

    @Test
    void equalWeightsSpreadFlowsWithinOnePercent() {
        int n = 5;
        MaglevBalancer maglev = new MaglevBalancer(servers(n));
        Map<String, Integer> counts = new HashMap<>();
        int keys = 500_000;
        for (int i = 0; i < keys; i++) {
            counts.merge(maglev.select("flow-" + i, Set.of()).name(), 1, Integer::sum);
        }
        for (int count : counts.values()) {
            assertEquals(1.0 / n, count / (double) keys, 0.01, counts.toString());
        }
    }

    @Test
    void weightsGiveProportionalShares() {
        List<Server> list = List.of(server("a", 3), server("b", 1));
        MaglevBalancer maglev = new MaglevBalancer(list);
        int a = 0;
        for (int i = 0; i < KEYS; i++) {
            if (maglev.select("flow-" + i, Set.of()).name().equals("a")) {
                a++;
            }
        }
        assertEquals(0.75, a / (double) KEYS, 0.02);
    }

    @Test
    void retriedFlowGoesToAnotherServerAndNoneLeftGivesNull() {
        List<Server> list = servers(3);
        MaglevBalancer maglev = new MaglevBalancer(list);
        Server first = maglev.select("flow", Set.of());
        Server second = maglev.select("flow", Set.of(first));
        assertNotEquals(first, second);
        assertNull(maglev.select("flow", Set.copyOf(list)));
    }
}
