package io.tandem.cluster;

import io.tandem.core.stick.StickData;
import io.tandem.core.stick.StickUpdate;

import java.io.ByteArrayOutputStream;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The wire form of table changes: a batch is its sender's node name, the sender's wall clock when it was sent (for
 * the replication lag a receiver reports) and the operations in order. A full sync (state transfer, or the resync
 * after a partition heals) is a stream of such batches ended by an empty one. Encryption is the stack's
 * ({@code SYM_ENCRYPT}); this is only the layout.
 */
final class TableCodec {
    private static final int VERSION = 1;
    private static final byte UPDATE = 0;
    private static final byte REMOVE = 1;
    private static final byte CLEAR = 2;
    private static final StickData[] DATA = StickData.values();
    /**
     * Table, node and server names repeat in every update: each is decoded to one shared string, so that a
     * replicated entry does not hold its own copy of its server's name and of the node whose counters it keeps
     * (~100 bytes an entry). Bounded, whatever a peer sends: past this many, names are no longer shared.
     */
    private static final int MAX_NAMES = 4096;
    private static final ConcurrentHashMap<String, String> NAMES =
            new ConcurrentHashMap<>();

    /** A decoded batch. */
    record Batch(String sender, long sentAtMillis, List<TableOp> ops) {
    }

    private TableCodec() {
    }

    static byte[] encode(String sender, long sentAtMillis, List<TableOp> ops) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + ops.size() * 64);
        try {
            writeBatch(new DataOutputStream(bytes), sender, sentAtMillis, ops);
        } catch (IOException impossible) {
            throw new UncheckedIOException(impossible);
        }
        return bytes.toByteArray();
    }

    static Batch decode(byte[] payload) throws IOException {
        return read(WireInput.of(payload));
    }

    /** Writes one batch of a full sync to {@code out} (the caller flushes). */
    static void write(OutputStream out, String sender, long sentAtMillis, List<TableOp> ops) throws IOException {
        DataOutputStream data = out instanceof DataOutputStream d ? d : new DataOutputStream(out);
        writeBatch(data, sender, sentAtMillis, ops);
    }

    private static void writeBatch(DataOutput out, String sender, long sentAtMillis, List<TableOp> ops) throws IOException {
        out.writeByte(VERSION);
        out.writeUTF(sender);
        out.writeLong(sentAtMillis);
        out.writeInt(ops.size());
        for (TableOp op : ops) {
            if (op instanceof TableOp.Update u) {
                out.writeByte(UPDATE);
                out.writeUTF(u.table());
                out.writeUTF(u.share());
                writeUpdate(out, u.update());
            } else if (op instanceof TableOp.Remove r) {
                out.writeByte(REMOVE);
                out.writeUTF(r.table());
                out.writeUTF(r.key());
            } else {
                out.writeByte(CLEAR);
                out.writeUTF(op.table());
            }
        }
    }

    /** Reads one batch, of a message or of a full sync (where an empty batch ends the sync). */
    static Batch read(DataInput in) throws IOException {
        int version = in.readUnsignedByte();
        if (version != VERSION) {
            throw new IOException("cluster message version " + version + ", this node speaks " + VERSION
                    + " (run the same Tandem version on both nodes)");
        }
        String sender = name(in.readUTF());
        long sentAt = in.readLong();
        int count = in.readInt();
        if (count < 0) {
            throw new IOException("negative operation count " + count);
        }
        List<TableOp> ops = new ArrayList<>(Math.min(count, 4096));
        // A batch's operations mostly name the table and share of the one before: those skip the shared map.
        String table = null;
        String share = null;
        for (int i = 0; i < count; i++) {
            byte kind = in.readByte();
            table = same(table, in.readUTF());
            ops.add(switch (kind) {
                case UPDATE -> new TableOp.Update(table, share = same(share, in.readUTF()), readUpdate(in));
                case REMOVE -> new TableOp.Remove(table, in.readUTF());
                case CLEAR -> new TableOp.Clear(table);
                default -> throw new IOException("unknown table operation " + kind);
            });
        }
        return new Batch(sender, sentAt, ops);
    }

    /** {@code previous} when it equals {@code name}, else {@link #name}'s shared string. */
    private static String same(String previous, String name) {
        return name.equals(previous) ? previous : name(name);
    }

    /** The one shared string equal to {@code name} (see {@link #MAX_NAMES}). */
    static String name(String name) {
        String held = NAMES.get(name);
        if (held != null) {
            return held;
        }
        if (NAMES.size() >= MAX_NAMES) {
            return name;
        }
        held = NAMES.putIfAbsent(name, name);
        return held == null ? name : held;
    }

    private static void writeUpdate(DataOutput out, StickUpdate u) throws IOException {
        out.writeUTF(u.key());
        out.writeBoolean(u.serverId() != null);
        if (u.serverId() != null) {
            out.writeUTF(u.serverId());
        }
        out.writeLong(u.serverVersion());
        out.writeLong(u.expiresInMillis());
        out.writeByte(u.values().size());
        for (StickUpdate.Value v : u.values()) {
            out.writeByte(v.data().ordinal());
            out.writeLong(v.current());
            out.writeLong(v.previous());
            out.writeLong(v.periodAgeMillis());
        }
    }

    private static StickUpdate readUpdate(DataInput in) throws IOException {
        String key = in.readUTF();
        String server = in.readBoolean() ? name(in.readUTF()) : null;
        long serverVersion = in.readLong();
        long expiresIn = in.readLong();
        int n = in.readUnsignedByte();
        List<StickUpdate.Value> values = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int ordinal = in.readUnsignedByte();
            if (ordinal >= DATA.length) {
                throw new IOException("unknown stick data " + ordinal);
            }
            values.add(new StickUpdate.Value(DATA[ordinal], in.readLong(), in.readLong(), in.readLong()));
        }
        return new StickUpdate(key, server, expiresIn, values, serverVersion);
    }
}
