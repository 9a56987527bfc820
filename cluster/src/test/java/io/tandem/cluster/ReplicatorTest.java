package io.tandem.cluster;

import io.tandem.core.stick.StickData;
import io.tandem.core.stick.StickEvent;
import io.tandem.core.stick.StickKeyType;
import io.tandem.core.stick.StickSchema;
import io.tandem.core.stick.StickTable;
import io.tandem.core.testing.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Two replicators wired back to back: what replication does without the JGroups stack around it. */
class ReplicatorTest {
    private static final Map<StickData, Duration> STORE = Map.of(StickData.HTTP_REQ_RATE, Duration.ofSeconds(10));
    private final StickTable tableA = table();
    private final StickTable tableB = table();
    private final AtomicBoolean linkUp = new AtomicBoolean(true);
    private final AtomicReference<Replicator> toA = new AtomicReference<>();
    private final AtomicReference<Replicator> toB = new AtomicReference<>();
    private final List<Replicator> started = new ArrayList<>();
    private final AtomicInteger messages = new AtomicInteger();

    private static StickTable table() {
        return new StickTable("web", StickKeyType.IP, 10_000, Duration.ofMinutes(5), StickSchema.of(STORE),
                () -> System.nanoTime() / 1_000_000);
    }

    private Replicator replicator(String node, StickTable table, AtomicReference<Replicator> peer) {
        Replicator r = new Replicator(node, true, () -> Map.of("l7 frontend/web", table), 1000, bytes -> {
            messages.incrementAndGet();
            if (linkUp.get()) {
                peer.get().receive(TableCodec.decode(bytes));
            }
        });
        started.add(r);
        return r;
    }

    @AfterEach
    void close() {
        started.forEach(Replicator::close);
    }

    private void pair() {
        toA.set(replicator("lb-a", tableA, toB));
        toB.set(replicator("lb-b", tableB, toA));
    }

    @Test
    void aStickOnOneNodeReachesTheOtherAndIsNotSentBack() throws Exception {
        pair();
        tableA.stick("198.18.1.1", "app-01");
        Await.until("b has a's entry", () -> tableB.lookup("198.18.1.1") != null);
        assertEquals("app-01", tableB.lookup("198.18.1.1").serverId());
        Thread.sleep(200); // nothing further may travel: b must not echo what it applied
        assertEquals(0, toB.get().sent());
    }

    @Test
    void changesMadeWhileTheSenderLingersShareOneMessage() throws Exception {
        pair();
        int changes = 400;
        long start = System.nanoTime();
        for (int i = 0; i < changes; i++) { // one change every 50 us: each would find the sender idle without linger
            long due = start + i * 50_000L;
            while (System.nanoTime() < due) {
                Thread.onSpinWait();
            }
            tableA.stick("198.18." + (2 + (i >> 8)) + "." + (i & 0xFF), "app-01");
        }
        long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        Await.until("b has every entry and a counts them sent", () -> tableB.size() == changes
                && toA.get().sent() == changes);
        assertTrue(messages.get() <= elapsedMillis / (Replicator.LINGER_NANOS / 1_000_000) + 2,
                messages.get() + " messages for " + changes + " changes in " + elapsedMillis + " ms: more than one a "
                        + "linger");
    }

    @Test
    void requestsCountedOnBothNodesAddUpOnEach() throws Exception {
        pair();
        for (int i = 0; i < 60; i++) {
            tableA.count(tableA.touch("198.18.1.2"), StickEvent.HTTP_REQUEST);
        }
        for (int i = 0; i < 40; i++) {
            tableB.count(tableB.touch("198.18.1.2"), StickEvent.HTTP_REQUEST);
        }
        Await.until("both see 100", () -> rate(tableA) == 100 && rate(tableB) == 100);
    }

    @Test
    void afterAPartitionHealsBothTablesAgreeEntryForEntry() throws Exception {
        pair();
        tableA.stick("198.18.1.3", "app-01");
        Await.until("b has it", () -> tableB.lookup("198.18.1.3") != null);
        linkUp.set(false);
        tableA.stick("198.18.1.4", "app-01"); // only a knows
        tableB.stick("198.18.1.5", "app-02"); // only b knows
        tableA.stick("198.18.1.3", "app-03");
        tableB.stick("198.18.1.3", "app-02"); // both changed it: the higher version wins, on both alike
        linkUp.set(true);
        toA.get().broadcastOwn();
        toB.get().broadcastOwn();
        Await.until(() -> "tables agree: a " + dump(tableA) + " b " + dump(tableB),
                () -> dump(tableA).equals(dump(tableB)) && dump(tableA).size() == 3);
    }

    private static long rate(StickTable table) {
        return table.lookup("198.18.1.2") == null ? -1 : table.lookup("198.18.1.2").read(StickData.HTTP_REQ_RATE);
    }

    private static Map<String, String> dump(StickTable table) {
        Map<String, String> all = new TreeMap<>();
        table.entries().forEach(e -> all.put(e.key(), e.serverId()));
        return all;
    }
}
