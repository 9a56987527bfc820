package io.tandem.cluster;

import io.tandem.core.stick.StickEntry;
import io.tandem.core.stick.StickKeyType;
import io.tandem.core.stick.StickSchema;
import io.tandem.core.stick.StickTable;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

class OutboxTest {
    private final StickTable table = new StickTable("t", StickKeyType.IP, 100, Duration.ofMinutes(1),
            StickSchema.of(Map.of()), System::currentTimeMillis);
    private final AtomicInteger wakes = new AtomicInteger();

    @Test
    void changesToOneEntryCoalesceIntoOneInItsFirstPlace() {
        Outbox outbox = new Outbox(10, wakes::incrementAndGet);
        StickEntry a = table.touch("198.18.0.1");
        StickEntry b = table.touch("198.18.0.2");
        outbox.updated(table, a);
        outbox.updated(table, b);
        outbox.updated(table, a);
        outbox.updated(table, a);
        assertEquals(2, outbox.depth());
        assertEquals(2, outbox.coalesced());
        List<Outbox.Pending> drained = outbox.drain(10);
        assertEquals(List.of("198.18.0.1", "198.18.0.2"), drained.stream().map(p -> p.slot().key()).toList());
        assertEquals(4, wakes.get(), "the sender is woken for each change");
    }

    @Test
    void aFullQueueDropsTheOldestChangeAndCountsIt() {
        Outbox outbox = new Outbox(2, () -> { });
        outbox.updated(table, table.touch("198.18.0.1"));
        outbox.updated(table, table.touch("198.18.0.2"));
        outbox.removed(table, "198.18.0.3");
        assertEquals(2, outbox.depth());
        assertEquals(1, outbox.dropped());
        assertEquals(List.of("198.18.0.2", "198.18.0.3"),
                outbox.drain(10).stream().map(p -> p.slot().key()).toList());
    }

    @Test
    void aClearSupersedesTheTablesPendingChanges() {
        Outbox outbox = new Outbox(10, () -> { });
        outbox.updated(table, table.touch("198.18.0.1"));
        outbox.cleared(table);
        List<Outbox.Pending> drained = outbox.drain(10);
        assertEquals(1, drained.size());
        assertNull(drained.get(0).slot().key(), "only the clear is left");
        assertSame(table, drained.get(0).slot().table());
    }
}
