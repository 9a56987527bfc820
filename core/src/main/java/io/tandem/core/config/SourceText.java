package io.tandem.core.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads the text of a config file, or of a file a value names: at most {@link #MAX_BYTES} bytes are read, so an
 * endless input ({@code /dev/zero}, a FIFO that never ends) is refused as soon as it passes the limit, and the
 * bytes must be UTF-8. Nothing is parsed before both hold.
 */
final class SourceText {
    /**
     * 1 MiB, about 15 000 backends. The YAML scanner's cost grows with the square of a token's length (a 3 MB
     * scalar takes seconds), so the limit also bounds how long any accepted file can take to parse.
     */
    static final int MAX_BYTES = 1 << 20;

    /** Why a file was refused, with the line and column (1-based) of the first bad byte where there is one. */
    static final class Refused extends Exception {
        private final int line;
        private final int column;

        Refused(String message, int line, int column) {
            super(message);
            this.line = line;
            this.column = column;
        }

        SourcePos pos(String file) {
            return new SourcePos(file, line, column);
        }
    }

    private SourceText() {
    }

    /** The file's text without a leading byte-order mark. */
    static String read(Path file) throws IOException, Refused {
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(MAX_BYTES + 1);
        }
        if (bytes.length > MAX_BYTES) {
            throw new Refused("larger than the limit of 1 MiB (" + MAX_BYTES + " bytes)", 1, 1);
        }
        String text = decode(bytes);
        return text.startsWith("\uFEFF") ? text.substring(1) : text;
    }

    private static String decode(byte[] bytes) throws Refused {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult result = decoder.decode(in, out, true);
        if (result.isError()) {
            int bad = in.position();
            out.flip();
            String before = out.toString();
            int lineStart = before.lastIndexOf('\n') + 1;
            int line = (int) before.chars().filter(c -> c == '\n').count() + 1;
            int column = before.codePointCount(lineStart, before.length()) + 1;
            throw new Refused(String.format("not UTF-8 (byte 0x%02x); save the file as UTF-8", bytes[bad] & 0xff),
                    line, column);
        }
        decoder.flush(out);
        out.flip();
        return out.toString();
    }
}
