package io.tandem.cluster;

import java.io.ByteArrayInputStream;
import java.io.DataInput;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * A {@link DataInput} over a stream or a byte array with its own unsynchronized buffer, reading what
 * {@link java.io.DataOutputStream} wrote. A state transfer decodes millions of fields: {@code DataInputStream} over
 * a {@code BufferedInputStream} takes a lock per field and builds every {@code readUTF} string char by char, which
 * was about half of the joining node's time; here an ASCII string (table keys, names) is one copy.
 */
final class WireInput implements DataInput {
    /** Room for the longest {@code writeUTF} string (65535 bytes) after its length. */
    private static final int BUFFER = 1 << 17;

    private final InputStream source;
    private final byte[] buffer;
    private int position;
    private int limit;

    private WireInput(InputStream source, byte[] buffer, int limit) {
        this.source = source;
        this.buffer = buffer;
        this.limit = limit;
    }

    /** Reads from {@code source}, buffered. */
    static WireInput of(InputStream source) {
        return new WireInput(source, new byte[BUFFER], 0);
    }

    /** Reads {@code bytes}, which end the input. */
    static WireInput of(byte[] bytes) {
        return new WireInput(null, bytes, bytes.length);
    }

    /** Makes at least {@code n} bytes ({@code n <= BUFFER}) readable at {@code position}, or fails at the end. */
    private void need(int n) throws IOException {
        if (limit - position >= n) {
            return;
        }
        if (source == null) {
            throw new EOFException("message ends after " + limit + " bytes");
        }
        System.arraycopy(buffer, position, buffer, 0, limit - position);
        limit -= position;
        position = 0;
        while (limit < n) {
            int read = source.read(buffer, limit, buffer.length - limit);
            if (read < 0) {
                throw new EOFException("stream ends within a field");
            }
            limit += read;
        }
    }

    @Override
    public void readFully(byte[] b) throws IOException {
        readFully(b, 0, b.length);
    }

    @Override
    public void readFully(byte[] b, int off, int len) throws IOException {
        while (len > 0) {
            need(1);
            int n = Math.min(len, limit - position);
            System.arraycopy(buffer, position, b, off, n);
            position += n;
            off += n;
            len -= n;
        }
    }

    /** Skips {@code n} bytes, or to the end of the input if it has fewer. */
    @Override
    public int skipBytes(int n) throws IOException {
        int skipped = 0;
        while (skipped < n && available()) {
            int step = Math.min(n - skipped, limit - position);
            position += step;
            skipped += step;
        }
        return skipped;
    }

    /** True when a byte is readable at {@code position}, reading more from the source if need be. */
    private boolean available() throws IOException {
        if (position < limit) {
            return true;
        }
        if (source == null) {
            return false;
        }
        position = 0;
        limit = Math.max(0, source.read(buffer, 0, buffer.length));
        return limit > 0;
    }

    @Override
    public boolean readBoolean() throws IOException {
        return readByte() != 0;
    }

    @Override
    public byte readByte() throws IOException {
        need(1);
        return buffer[position++];
    }

    @Override
    public int readUnsignedByte() throws IOException {
        return readByte() & 0xff;
    }

    @Override
    public short readShort() throws IOException {
        return (short) readUnsignedShort();
    }

    @Override
    public int readUnsignedShort() throws IOException {
        return (int) bigEndian(2);
    }

    @Override
    public char readChar() throws IOException {
        return (char) readUnsignedShort();
    }

    @Override
    public int readInt() throws IOException {
        return (int) bigEndian(4);
    }

    @Override
    public long readLong() throws IOException {
        return bigEndian(8);
    }

    private long bigEndian(int bytes) throws IOException {
        need(bytes);
        long value = 0;
        for (int i = 0; i < bytes; i++) {
            value = value << 8 | buffer[position++] & 0xff;
        }
        return value;
    }

    @Override
    public float readFloat() throws IOException {
        return Float.intBitsToFloat(readInt());
    }

    @Override
    public double readDouble() throws IOException {
        return Double.longBitsToDouble(readLong());
    }

    /**
     * A line of Latin-1 text ended by {@code \n}, {@code \r} or {@code \r\n}, as {@link DataInputStream#readLine}
     * reads it; null at the end of the input.
     */
    @Override
    public String readLine() throws IOException {
        if (!available()) {
            return null;
        }
        StringBuilder line = new StringBuilder();
        while (available()) {
            byte b = buffer[position++];
            if (b == '\n') {
                break;
            }
            if (b == '\r') {
                if (available() && buffer[position] == '\n') {
                    position++;
                }
                break;
            }
            line.append((char) (b & 0xff));
        }
        return line.toString();
    }

    @Override
    public String readUTF() throws IOException {
        int length = readUnsignedShort();
        need(length);
        int start = position;
        position += length;
        for (int i = start; i < position; i++) {
            if (buffer[i] < 0) {
                return modifiedUtf8(start, length);
            }
        }
        return new String(buffer, start, length, StandardCharsets.ISO_8859_1);
    }

    /** A string with non-ASCII characters, decoded by the JDK's own reader of {@code writeUTF}'s modified UTF-8. */
    private String modifiedUtf8(int start, int length) throws IOException {
        byte[] framed = new byte[length + 2];
        framed[0] = (byte) (length >>> 8);
        framed[1] = (byte) length;
        System.arraycopy(buffer, start, framed, 2, length);
        return DataInputStream.readUTF(new DataInputStream(new ByteArrayInputStream(framed)));
    }
}
