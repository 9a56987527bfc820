package io.tandem.cluster;

import io.tandem.core.config.ConfigVersion;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInput;
import java.io.DataInputStream;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The wire form of the pair's control messages: admin changes, configs, the replies to both, config version
 * announcements and the TLS session-ticket keys. Each starts with its kind, a byte no table batch starts with ({@link TableCodec} batches start
 * with their version, 1), so one receiver tells them apart. Strings are length-prefixed UTF-8 with an int length,
 * since a config's text may pass the 64 KiB of {@code writeUTF}.
 */
final class ControlCodec {
    private static final byte SERVER = 0x10;
    private static final byte CONFIG = 0x11;
    private static final byte REPLY = 0x12;
    private static final byte VERSION = 0x13;
    private static final byte TICKET_KEYS = 0x14;
    /** The most bytes a set of session-ticket keys takes (a few keys of 48 bytes each). */
    private static final int MAX_TICKET_KEYS = 4096;
    /** The largest string accepted: a config file's limit (1 MiB) with room for the blanked lines. */
    private static final int MAX_STRING = 4 << 20;
    private static final ServerChange.Setting[] SETTINGS = ServerChange.Setting.values();

    /** A control message. {@code request} 0 asks for no reply (a resync after a merge). */
    sealed interface Control {
    }

    record ServerMsg(long request, AdminStates.Entry entry) implements Control {
    }

    record ConfigMsg(long request, ConfigOffer offer) implements Control {
    }

    record ReplyMsg(long request, Outcome outcome) implements Control {
    }

    record VersionMsg(ConfigVersion version) implements Control {
    }

    /** The session-ticket keys the pair uses, as {@code io.tandem.l7.tls.TicketKeys} exports them. */
    record TicketKeysMsg(byte[] keys) implements Control {
    }

    private ControlCodec() {
    }

    /** True when a message starting with {@code first} is a control message. */
    static boolean isControl(byte first) {
        return first >= SERVER && first <= TICKET_KEYS;
    }

    static byte[] encode(Control control) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        DataOutputStream out = new DataOutputStream(bytes);
        try {
            if (control instanceof ServerMsg m) {
                out.writeByte(SERVER);
                out.writeLong(m.request());
                writeEntry(out, m.entry());
            } else if (control instanceof ConfigMsg m) {
                out.writeByte(CONFIG);
                out.writeLong(m.request());
                writeVersion(out, m.offer().version());
                writeString(out, m.offer().source());
                writeString(out, m.offer().text());
            } else if (control instanceof ReplyMsg m) {
                out.writeByte(REPLY);
                out.writeLong(m.request());
                out.writeBoolean(m.outcome().ok());
                writeString(out, m.outcome().summary());
                out.writeInt(m.outcome().lines().size());
                for (String line : m.outcome().lines()) {
                    writeString(out, line);
                }
            } else if (control instanceof VersionMsg m) {
                out.writeByte(VERSION);
                writeVersion(out, m.version());
            } else if (control instanceof TicketKeysMsg m) {
                out.writeByte(TICKET_KEYS);
                out.writeInt(m.keys().length);
                out.write(m.keys());
            }
        } catch (IOException impossible) {
            throw new UncheckedIOException(impossible);
        }
        return bytes.toByteArray();
    }

    static Control decode(byte[] payload) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(payload));
        byte kind = in.readByte();
        return switch (kind) {
            case SERVER -> new ServerMsg(in.readLong(), readEntry(in));
            case CONFIG -> new ConfigMsg(in.readLong(), new ConfigOffer(readVersion(in), readString(in),
                    readString(in)));
            case REPLY -> {
                long request = in.readLong();
                boolean ok = in.readBoolean();
                String summary = readString(in);
                int count = in.readInt();
                if (count < 0 || count > 100_000) {
                    throw new IOException("reply with " + count + " lines");
                }
                List<String> lines = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    lines.add(readString(in));
                }
                yield new ReplyMsg(request, new Outcome(ok, summary, lines));
            }
            case VERSION -> new VersionMsg(readVersion(in));
            case TICKET_KEYS -> {
                int length = in.readInt();
                if (length < 0 || length > MAX_TICKET_KEYS) {
                    throw new IOException("ticket keys of " + length + " bytes");
                }
                byte[] keys = new byte[length];
                in.readFully(keys);
                yield new TicketKeysMsg(keys);
            }
            default -> throw new IOException("unknown control message " + kind);
        };
    }

    /** Writes the admin table, for a state transfer (after the tables). */
    static void writeEntries(DataOutput out, List<AdminStates.Entry> entries) throws IOException {
        out.writeInt(entries.size());
        for (AdminStates.Entry entry : entries) {
            writeEntry(out, entry);
        }
    }

    static List<AdminStates.Entry> readEntries(DataInput in) throws IOException {
        int count = in.readInt();
        if (count < 0) {
            throw new IOException("negative admin state count " + count);
        }
        List<AdminStates.Entry> entries = new ArrayList<>(Math.min(count, 4096));
        for (int i = 0; i < count; i++) {
            entries.add(readEntry(in));
        }
        return entries;
    }

    private static void writeEntry(DataOutput out, AdminStates.Entry entry) throws IOException {
        writeString(out, entry.change().server());
        out.writeByte(entry.change().setting().ordinal());
        writeString(out, entry.change().value());
        out.writeLong(entry.version());
        writeString(out, entry.origin());
    }

    private static AdminStates.Entry readEntry(DataInput in) throws IOException {
        String server = readString(in);
        int setting = in.readUnsignedByte();
        if (setting >= SETTINGS.length) {
            throw new IOException("unknown admin setting " + setting);
        }
        return new AdminStates.Entry(new ServerChange(server, SETTINGS[setting], readString(in)), in.readLong(),
                readString(in));
    }

    private static void writeVersion(DataOutput out, ConfigVersion version) throws IOException {
        writeString(out, version.hash());
        out.writeLong(version.serial());
    }

    private static ConfigVersion readVersion(DataInput in) throws IOException {
        return new ConfigVersion(readString(in), in.readLong());
    }

    private static void writeString(DataOutput out, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    private static String readString(DataInput in) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > MAX_STRING) {
            throw new IOException("string of " + length + " bytes");
        }
        byte[] bytes = new byte[length];
        in.readFully(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
