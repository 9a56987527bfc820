package io.tandem.l7.http;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

class Http1ResponseDecoderTest {

    /** The response heads decoded from {@code input}, answering as many GETs; body parts released. */
    private static List<HttpHeaders> heads(String input, int responses) {
        Http1ResponseDecoder decoder = new Http1ResponseDecoder(8192, 65536, 200);
        EmbeddedChannel channel = new EmbeddedChannel(decoder);
        try {
            for (int i = 0; i < responses; i++) {
                decoder.requestSent(false);
            }
            channel.writeInbound(channel.alloc().buffer().writeBytes(input.getBytes(StandardCharsets.ISO_8859_1)));
            List<HttpHeaders> heads = new ArrayList<>();
            Object msg;
            while ((msg = channel.readInbound()) != null) {
                if (msg instanceof HttpResponse response) {
                    heads.add(response.headers());
                }
                ReferenceCountUtil.release(msg);
            }
            return heads;
        } finally {
            assertFalse(channel.finishAndReleaseAll());
        }
    }

    @Test
    void aValueEqualToThePreviousResponsesAtTheSamePlaceIsItsStringAndAChangedOneIsNew() {
        String response = "HTTP/1.1 200 OK\r\nServer: nginx\r\nDate: %s\r\nContent-Length: 2\r\n\r\nok";
        List<HttpHeaders> heads = heads(String.format(response, "Fri, 04 Dec 2026 19:00:00 GMT")
                + String.format(response, "Fri, 04 Dec 2026 19:00:00 GMT")
                + String.format(response, "Fri, 04 Dec 2026 19:00:01 GMT"), 3);
        assertEquals(3, heads.size());
        assertSame(heads.get(0).get("Server"), heads.get(1).get("Server"));
        assertSame(heads.get(0).get("Date"), heads.get(1).get("Date"));
        assertSame(heads.get(1).get("Server"), heads.get(2).get("Server"));
        assertNotSame(heads.get(1).get("Date"), heads.get(2).get("Date"));
        assertEquals("Fri, 04 Dec 2026 19:00:01 GMT", heads.get(2).get("Date"));
    }
}
