package io.tandem.cluster;

import io.tandem.core.config.ClusterConfig;
import io.tandem.core.config.HostPort;
import io.tandem.core.stick.StickData;
import io.tandem.core.stick.StickEvent;
import io.tandem.core.stick.StickKeyType;
import io.tandem.core.stick.StickSchema;
import io.tandem.core.stick.StickTable;
import io.tandem.core.testing.Await;
import io.tandem.core.testing.LogLines;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Two cluster nodes in one JVM over real TCP on loopback, with the full stack (authentication, encryption). */
class ClusterNodeTest {
    private static final String SECRET = "c2VjcmV0LWZvci10aGUtdGVzdC1wYWlyLTMyYnl0ZXM=";
    private final List<AutoCloseable> open = new ArrayList<>();
    private final HostPort a = new HostPort("127.0.0.1", freePort());
    private final HostPort b = new HostPort("127.0.0.1", freePort());

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static StickTable table() {
        return new StickTable("web", StickKeyType.IP, 100_000, Duration.ofMinutes(5),
                StickSchema.of(Map.of(StickData.HTTP_REQ_RATE, Duration.ofSeconds(10))),
                () -> System.nanoTime() / 1_000_000);
    }

    private ClusterNode node(String name, HostPort bind, String secret, StickTable table) throws Exception {
        ClusterConfig config = new ClusterConfig("test-pair", bind, List.of(a, b), secret,
                EnumSet.of(ClusterConfig.Share.STICK_TABLES, ClusterConfig.Share.RATE_LIMITS), null);
        ClusterNode node = ClusterNode.start(config, name, () -> Map.of("l7 frontend/web", table));
        open.add(0, node);
        return node;
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    @Test
    void anEntryOnOneNodeAppearsOnTheOtherAndRatesAddUp() throws Exception {
        StickTable ta = table();
        StickTable tb = table();
        ClusterNode na = node("lb-a", a, SECRET, ta);
        Await.until("a ready", na::ready);
        ClusterNode nb = node("lb-b", b, SECRET, tb);
        Await.until("b ready", nb::ready);
        Await.until("both in the view", () -> na.status().members().size() == 2);
        ta.stick("198.18.2.1", "app-01");
        Await.until("b has a's entry", () -> tb.lookup("198.18.2.1") != null);
        assertEquals("app-01", tb.lookup("198.18.2.1").serverId());
        for (int i = 0; i < 70; i++) {
            ta.count(ta.lookup("198.18.2.1"), StickEvent.HTTP_REQUEST);
        }
        for (int i = 0; i < 30; i++) {
            tb.count(tb.lookup("198.18.2.1"), StickEvent.HTTP_REQUEST);
        }
        Await.until(() -> "both count 100: a " + rate(ta) + " b " + rate(tb), () -> rate(ta) == 100 && rate(tb) == 100);
        ClusterStatus status = nb.status();
        assertEquals(List.of("lb-a"), status.peers().stream().map(ClusterStatus.Peer::name).toList());
        assertTrue(status.peers().get(0).inView());
        assertTrue(status.received() > 0);
    }

    @Test
    void aLateJoinerHoldsTheWholeTableOnceReady() throws Exception {
        StickTable ta = table();
        for (int i = 0; i < 20_000; i++) {
            ta.stick("198.18." + (i / 250) + "." + (i % 250), "app-0" + (i % 3));
        }
        ClusterNode na = node("lb-a", a, SECRET, ta);
        Await.until("a ready", na::ready);
        StickTable tb = table();
        ClusterNode nb = node("lb-b", b, SECRET, tb);
        Await.until("b ready", nb::ready);
        assertEquals(20_000, tb.size(), "ready means the tables are in");
        assertEquals("app-01", tb.lookup("198.18.79.249").serverId()); // entry 19999
        ClusterStatus.StateTransfer transfer = nb.status().lastStateTransfer();
        assertEquals("lb-a", transfer.from());
        assertEquals(20_000, transfer.changes());
    }

    @Test
    void aNodeWithAnotherSecretCannotJoinAndBothSidesSayWhy() throws Exception {
        try (LogLines logs = LogLines.capture()) {
            StickTable ta = table();
            StickTable tb = table();
            ClusterNode na = node("lb-a", a, SECRET, ta);
            Await.until("a ready", na::ready);
            ta.stick("198.18.3.1", "app-01");
            ClusterNode nb = node("lb-b", b, "another-secret-of-enough-length", tb);
            Await.until(() -> "both log the refusal: " + logs.all(),
                    () -> !logs.containing("refused lb-b").isEmpty() && !logs.containing("lb-b was refused").isEmpty());
            assertTrue(logs.containing("refused lb-b").get(0).contains("does not hold this cluster's secret"));
            assertTrue(logs.containing("lb-b was refused").get(0).contains("its cluster secret differs"));
            assertFalse(nb.ready());
            assertEquals(List.of("lb-a"), na.status().members());
            assertEquals(0, tb.size(), "nothing of a's table reached b");
        }
    }

    private static long rate(StickTable t) {
        return t.lookup("198.18.2.1") == null ? -1 : t.lookup("198.18.2.1").read(StickData.HTTP_REQ_RATE);
    }
}
