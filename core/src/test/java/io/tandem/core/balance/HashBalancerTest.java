package io.tandem.core.balance;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.tandem.core.testing.TestServers.server;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HashBalancerTest {
    private static final int KEYS = 10_000;

    private static List<Server> servers(int n) {
        List<Server> servers = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            servers.add(server("srv-" + i));
        }
        return servers;
    }

    private static Map<String, Server> assign(Balancer balancer) {
        Map<String, Server> assignment = new HashMap<>();
        for (int i = 0; i < KEYS; i++) {
            String key = "/item/" + i;
            assignment.put(key, balancer.select(key, Set.of()));
        }
        return assignment;
    }

    private static int moved(Map<String, Server> before, Map<String, Server> after) {
        int moved = 0;
        for (Map.Entry<String, Server> e : before.entrySet()) {
            if (after.get(e.getKey()) != e.getValue()) {
                moved++;
            }
        }
        return moved;
    }

    @Test
    void consistentHashingMovesOnlyTheDownServersKeys() {
        int n = 5;
        List<Server> servers = servers(n);
        Balancer balancer = new HashBalancer(servers, true);
        Map<String, Server> before = assign(balancer);
        Server leaving = servers.get(2);
        leaving.setUp(false);
        Map<String, Server> after = assign(balancer);

        int moved = moved(before, after);
        assertTrue(moved <= KEYS / n * 1.15, moved + " keys moved");
        for (Map.Entry<String, Server> e : before.entrySet()) {
            if (e.getValue() != leaving) {
                assertSame(e.getValue(), after.get(e.getKey()), "key of a staying server moved: " + e.getKey());
            }
        }
        leaving.setUp(true);
        assertEquals(before, assign(balancer), "keys return when the server comes back");
    }

    @Test
    void consistentHashingSpreadsKeysNearlyEvenly() {
        int n = 4;
        Map<Server, Integer> counts = new HashMap<>();
        assign(new HashBalancer(servers(n), true)).values().forEach(s -> counts.merge(s, 1, Integer::sum));
        for (int count : counts.values()) {
            assertEquals(KEYS / n, count, KEYS / n * 0.15, "share " + counts);
        }
    }

    @Test
    void mapBasedHashingIsDeterministicAcrossInstances() {
        Map<String, Server> first = assign(new HashBalancer(servers(3), false));
        List<Server> again = servers(3);
        Map<String, Server> second = assign(new HashBalancer(again, false));
        for (Map.Entry<String, Server> e : first.entrySet()) {
            assertEquals(e.getValue().name(), second.get(e.getKey()).name());
        }
        Balancer balancer = new HashBalancer(again, false);
        assertSame(balancer.select("/x", Set.of()), balancer.select("/x", Set.of()));
    }

    @Test
    void mapBasedHashingSkipsAnExcludedServerForTheSameKey() {
        List<Server> servers = servers(3);
        Balancer balancer = new HashBalancer(servers, false);
        Server first = balancer.select("client-1", Set.of());
        Server retry = balancer.select("client-1", Set.of(first));
        assertNotSame(first, retry);
        assertSame(first, balancer.select("client-1", Set.of()), "the exclusion does not remap the key");
    }

    @Test
    void consistentHashingWalksPastExcludedServers() {
        List<Server> servers = servers(3);
        Balancer balancer = new HashBalancer(servers, true);
        Server first = balancer.select("client-1", Set.of());
        Server retry = balancer.select("client-1", Set.of(first));
        assertNotSame(first, retry);
        assertSame(retry, balancer.select("client-1", Set.of(first)), "the walk is deterministic");
    }

    @Test
    void nullKeyFallsBackToRoundRobin() {
        List<Server> servers = servers(2);
        Balancer balancer = new HashBalancer(servers, true);
        assertNotSame(balancer.select(null, Set.of()), balancer.select(null, Set.of()));
    }
}
