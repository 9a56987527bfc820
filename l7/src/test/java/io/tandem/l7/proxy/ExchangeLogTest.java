package io.tandem.l7.proxy;

import io.tandem.l7.tls.TlsSession;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    @Test
    void overTlsTheLineEndsWithSniVersionAndCipherAndJsonHasThemAsFields() {
        ExchangeLog log = new ExchangeLog("GET", "/", "HTTP/1.1");
        InetSocketAddress client = new InetSocketAddress("198.18.0.7", 51000);
        TlsSession tls = new TlsSession("TLSv1.3", "api.example.com", "http/1.1", "TLS_AES_128_GCM_SHA256");
        assertTrue(log.render(client, "web", tls).toString().endsWith(
                "\"GET / HTTP/1.1\" api.example.com/TLSv1.3/TLS_AES_128_GCM_SHA256"));
        assertTrue(log.render(client, "web", new TlsSession("TLSv1.2", null, null, "ECDHE-RSA-AES128-GCM-SHA256"))
                .toString().endsWith(" -/TLSv1.2/ECDHE-RSA-AES128-GCM-SHA256"));
        assertTrue(log.render(client, "web", null).toString().endsWith("\"GET / HTTP/1.1\""));
        assertTrue(log.renderJson(client, "web", tls).toString().endsWith(
                ",\"request\":\"GET / HTTP/1.1\",\"ssl_fc_sni\":"
                + "\"api.example.com\",\"ssl_version\":\"TLSv1.3\",\"ssl_cipher\":\"TLS_AES_128_GCM_SHA256\"}"));
        assertTrue(log.renderJson(client, "web", null).toString().endsWith(",\"request\":\"GET / HTTP/1.1\"}"));
    }
}
