package io.tandem.l7.proxy;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ExchangeLogTest {

    private static String escaped(String text) {
        StringBuilder out = new StringBuilder();
        ExchangeLog.appendEscaped(out, text);
        return out.toString();
    }

    @Test
    void quotesHashesControlBytesAndBytesFromDelUpAreHexEscaped() {
        assertEquals("GET /a#22b#23c HTTP/1.1", escaped("GET /a\"b#c HTTP/1.1"));
        assertEquals("#0D#0A#09#00#7F#80#FF", escaped("\r\n\t\u0000\u007f\u0080\u00ff"));
        assertEquals("/%22{|}\\^`~", escaped("/%22{|}\\^`~"));
    }

    @Test
    void aCharacterBeyondLatin1IsWrittenAsItsUtf8Bytes() {
        assertEquals("/#E2#82#AC#F0#9F#98#80", escaped("/\u20ac\ud83d\ude00"));
    }

    @Test
    void jsonStringsEscapeQuotesBackslashesAndEveryByteOutsidePrintableAscii() {
        StringBuilder out = new StringBuilder();
        ExchangeLog.appendJsonString(out, "GET /a\"b\\c\r\n\u0000\u007f\u00e9#");
        assertEquals("\"GET /a\\\"b\\\\c\\u000D\\u000A\\u0000\\u007F\\u00E9#\"", out.toString());
    }
}
