package io.tandem.cluster;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class WireInputTest {
    private static final String[] STRINGS = {"", "198.18.0.7", "é\u0000中\uD83D\uDE00", "x".repeat(65535)};

    private static byte[] written() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeByte(-3);
        out.writeBoolean(true);
        out.writeShort(-2);
        out.writeChar('Z');
        out.writeInt(-123456789);
        out.writeLong(Long.MIN_VALUE + 42);
        out.writeDouble(2.5);
        for (String s : STRINGS) {
            out.writeUTF(s);
        }
        out.write(new byte[] {1, 2, 3});
        return bytes.toByteArray();
    }

    private static void readsBack(WireInput in) throws IOException {
        assertEquals(-3, in.readByte());
        assertEquals(true, in.readBoolean());
        assertEquals(-2, in.readShort());
        assertEquals('Z', in.readChar());
        assertEquals(-123456789, in.readInt());
        assertEquals(Long.MIN_VALUE + 42, in.readLong());
        assertEquals(2.5, in.readDouble());
        for (String s : STRINGS) {
            assertEquals(s, in.readUTF());
        }
        byte[] tail = new byte[3];
        in.readFully(tail);
        assertArrayEquals(new byte[] {1, 2, 3}, tail);
    }

    @Test
    void readsWhatDataOutputStreamWroteFromAnArray() throws IOException {
        readsBack(WireInput.of(written()));
    }

    @Test
    void readsFieldsThatArriveOneByteAtATime() throws IOException {
        byte[] bytes = written();
        InputStream trickle = new ByteArrayInputStream(bytes) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(len, 1));
            }
        };
        readsBack(WireInput.of(trickle));
    }

    @Test
    void linesEndAtAnyLineBreakAndSkipsStopAtTheEnd() throws IOException {
        byte[] bytes = "one\ntwo\r\nthree\rlast".getBytes(StandardCharsets.ISO_8859_1);
        for (WireInput in : new WireInput[] {WireInput.of(bytes), WireInput.of(new ByteArrayInputStream(bytes))}) {
            assertEquals("one", in.readLine());
            assertEquals(2, in.skipBytes(2));
            assertEquals("o", in.readLine());
            assertEquals("three", in.readLine());
            assertEquals("last", in.readLine());
            assertNull(in.readLine());
            assertEquals(0, in.skipBytes(5));
        }
    }

    @Test
    void aStreamThatEndsWithinAFieldIsAnError() throws IOException {
        WireInput in = WireInput.of(new ByteArrayInputStream(new byte[] {0, 0, 0, 1, 0, 0}));
        assertEquals(1, in.readInt());
        assertThrows(EOFException.class, in::readLong);
        assertThrows(EOFException.class, () -> WireInput.of(new byte[] {0, 5, 'a'}).readUTF());
    }
}
