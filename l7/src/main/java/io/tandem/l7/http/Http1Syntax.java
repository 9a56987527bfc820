package io.tandem.l7.http;

/** The character classes of HTTP/1.1 messages (RFC 9110 §5.6, RFC 9112), shared by the decoders and the headers. */
final class Http1Syntax {
    static final byte CR = '\r';
    static final byte LF = '\n';
    static final byte SP = ' ';
    static final byte HTAB = '\t';

    private static final boolean[] TCHAR = new boolean[256];
    /** field-vchar / SP / HTAB, including obs-text: everything except CTLs (other than HTAB) and DEL. */
    private static final boolean[] FIELD_CHAR = new boolean[256];
    /** Chunk extension bytes: visible ASCII, SP, HTAB. */
    private static final boolean[] EXT_CHAR = new boolean[256];

    static {
        allow(TCHAR, "!#$%&'*+-.^_`|~");
        for (int c = 0; c < 256; c++) {
            FIELD_CHAR[c] = c == HTAB || (c >= 0x20 && c != 0x7F);
            EXT_CHAR[c] = c == HTAB || (c >= 0x20 && c <= 0x7E);
        }
    }

    private Http1Syntax() {
    }

    /** A byte (0..255) or char of a token: a method, a header name, a transfer coding. */
    static boolean isTokenChar(int c) {
        return c < 256 && TCHAR[c];
    }

    static boolean isFieldChar(int c) {
        return c < 256 && FIELD_CHAR[c];
    }

    static boolean isExtensionChar(int c) {
        return c < 256 && EXT_CHAR[c];
    }

    static boolean isOws(int c) {
        return c == SP || c == HTAB;
    }

    static boolean isDigit(int c) {
        return c >= '0' && c <= '9';
    }

    /** The value of a hexadecimal digit, or -1. */
    static int hexValue(int c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    /** Marks digits, letters and {@code extra} as allowed in a byte-class table. */
    static void allow(boolean[] table, String extra) {
        for (int c = '0'; c <= '9'; c++) {
            table[c] = true;
        }
        for (int c = 'a'; c <= 'z'; c++) {
            table[c] = true;
            table[c - 'a' + 'A'] = true;
        }
        for (char c : extra.toCharArray()) {
            table[c] = true;
        }
    }
}
