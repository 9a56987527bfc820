package io.tandem.cluster;

import io.tandem.core.stick.StickData;
import io.tandem.core.stick.StickUpdate;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TableCodecTest {
    private static final StickUpdate UPDATE = new StickUpdate("198.18.0.7", "app-02", 29_000,
            List.of(new StickUpdate.Value(StickData.HTTP_REQ_RATE, 12, 40, 3500),
                    new StickUpdate.Value(StickData.CONN_CNT, 9, 0, 0)), 77L << 16 | 5);

    @Test
    void everyOperationSurvivesTheRoundTrip() throws IOException {
        List<TableOp> ops = List.of(new TableOp.Update("l7 frontend/web", "lb-a", UPDATE),
                new TableOp.Update("l7 frontend/web", "lb-b", new StickUpdate("k", null, Long.MAX_VALUE, List.of(), 0)),
                new TableOp.Remove("l7 backend/app", "198.18.0.9"), new TableOp.Clear("l7 backend/app"));
        TableCodec.Batch batch = TableCodec.decode(TableCodec.encode("lb-a", 1234, ops));
        assertEquals(new TableCodec.Batch("lb-a", 1234, ops), batch);
    }

    @Test
    void aFullSyncIsBatchesEndedByAnEmptyOne() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TableCodec.write(out, "lb-a", 1, List.of(new TableOp.Update("t", "lb-a", UPDATE)));
        TableCodec.write(out, "lb-a", 2, List.of(new TableOp.Clear("t")));
        TableCodec.write(out, "lb-a", 3, List.of());
        WireInput in = WireInput.of(new ByteArrayInputStream(out.toByteArray()));
        assertEquals(1, TableCodec.read(in).ops().size());
        assertEquals(List.of(new TableOp.Clear("t")), TableCodec.read(in).ops());
        assertTrue(TableCodec.read(in).ops().isEmpty());
    }

    @Test
    void decodedUpdatesShareOneStringPerServerAndNodeName() throws IOException {
        List<TableOp> ops = List.of(new TableOp.Update("l7 frontend/web", "lb-a", UPDATE),
                new TableOp.Update("l7 frontend/web", "lb-a", UPDATE));
        TableOp.Update first = (TableOp.Update) TableCodec.decode(TableCodec.encode("lb-a", 1, ops)).ops().get(0);
        TableOp.Update later = (TableOp.Update) TableCodec.decode(TableCodec.encode("lb-a", 2, ops)).ops().get(1);
        assertSame(first.update().serverId(), later.update().serverId(), "one app-02 for every entry");
        assertSame(first.share(), later.share(), "one lb-a for every entry's share");
        assertSame(first.table(), later.table());
        assertNotSame(first.update().key(), later.update().key(), "keys are each entry's own");
    }

    @Test
    void aMessageOfAnotherVersionIsRefusedWithTheReason() {
        byte[] bytes = TableCodec.encode("lb-a", 1, List.of());
        bytes[0] = 9;
        IOException e = assertThrows(IOException.class, () -> TableCodec.decode(bytes));
        assertTrue(e.getMessage().contains("run the same Tandem version on both nodes"), e.getMessage());
    }
}
