package io.tandem.l7.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class Http1RequestDecoderTest {

    private static final String HOST = "Host: example.com\r\n";

    // ------------------------------------------------------------------ harness

    /** Everything the decoder emitted for one request, with buffers already released. */
    private static final class Exchange {
        HttpRequest request;
        final StringBuilder body = new StringBuilder();
        int parts;
        boolean complete;
        HttpHeaders trailers;
        DecoderResult lastResult;

        String render() {
            StringBuilder sb = new StringBuilder();
            sb.append(request.method()).append(' ').append(request.uri()).append(' ').append(request.protocolVersion())
                .append(' ').append(request.decoderResult());
            for (Map.Entry<String, String> h : request.headers()) {
                sb.append('|').append(h.getKey()).append('=').append(h.getValue());
            }
            sb.append(" body=").append(body).append(" complete=").append(complete).append(' ').append(lastResult);
            if (trailers != null) {
                for (Map.Entry<String, String> h : trailers) {
                    sb.append('|').append(h.getKey()).append('=').append(h.getValue());
                }
            }
            return sb.toString();
        }

        HttpRejection bodyFailure() {
            assertNotNull(lastResult, "no LastHttpContent");
            assertTrue(lastResult.isFailure(), "body should have failed");
            return assertInstanceOf(HttpRejection.class, lastResult.cause());
        }
    }

    private static List<Exchange> feed(EmbeddedChannel ch, String input, int step) {
        byte[] bytes = input.getBytes(StandardCharsets.ISO_8859_1);
        for (int i = 0; i < bytes.length; i += step) {
            // Pooled buffers from the channel allocator, so paranoid leak detection tracks them.
            ByteBuf buf = ch.alloc().buffer().writeBytes(bytes, i, Math.min(step, bytes.length - i));
            ch.writeInbound(buf);
        }
        return drain(ch);
    }

    private static List<Exchange> drain(EmbeddedChannel ch) {
        List<Exchange> exchanges = new ArrayList<>();
        Exchange current = null;
        Object msg;
        while ((msg = ch.readInbound()) != null) {
            try {
                if (msg instanceof HttpRequest request) {
                    assertTrue(current == null || current.complete, "request before previous one ended");
                    current = new Exchange();
                    current.request = request;
                    exchanges.add(current);
                }
                if (msg instanceof HttpContent content) {
                    assertNotNull(current, "content without request");
                    assertFalse(current.complete, "content after LastHttpContent");
                    if (content.content().isReadable()) {
                        current.parts++;
                        current.body.append(content.content().toString(StandardCharsets.ISO_8859_1));
                    }
                }
                if (msg instanceof LastHttpContent last) {
                    current.complete = true;
                    current.lastResult = last.decoderResult();
                    if (!last.trailingHeaders().isEmpty()) {
                        current.trailers = last.trailingHeaders();
                    }
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }
        return exchanges;
    }

    /** Decodes whole and byte by byte; both must agree, since TCP may split anywhere. */
    private static List<Exchange> decode(String input) {
        EmbeddedChannel whole = new EmbeddedChannel(new Http1RequestDecoder());
        EmbeddedChannel split = new EmbeddedChannel(new Http1RequestDecoder());
        try {
            List<Exchange> a = feed(whole, input, Integer.MAX_VALUE);
            List<Exchange> b = feed(split, input, 1);
            assertEquals(render(a), render(b), "whole vs byte-by-byte");
            return a;
        } finally {
            assertFalse(whole.finishAndReleaseAll());
            assertFalse(split.finishAndReleaseAll());
        }
    }

    private static List<String> render(List<Exchange> exchanges) {
        return exchanges.stream().map(Exchange::render).toList();
    }

    private static Exchange decodeOne(String input) {
        List<Exchange> exchanges = decode(input);
        assertEquals(1, exchanges.size(), () -> render(exchanges).toString());
        Exchange e = exchanges.get(0);
        assertTrue(e.request.decoderResult().isSuccess(), () -> e.request.decoderResult().toString());
        assertTrue(e.complete, "request not complete");
        assertTrue(e.lastResult.isSuccess());
        return e;
    }

    private static HttpRejection assertRejected(String input, int status) {
        List<Exchange> exchanges = decode(input);
        assertEquals(1, exchanges.size(), () -> render(exchanges).toString());
        Exchange e = exchanges.get(0);
        assertTrue(e.request.decoderResult().isFailure(), () -> "accepted: " + e.render());
        assertEquals(0, e.parts);
        assertFalse(e.complete);
        assertEquals(HttpMethod.GET, e.request.method());
        assertEquals("/", e.request.uri());
        HttpRejection rejection = assertInstanceOf(HttpRejection.class, e.request.decoderResult().cause());
        assertEquals(status, rejection.status(), rejection::reason);
        return rejection;
    }

    private static HttpRejection assertBodyFails(String input) {
        List<Exchange> exchanges = decode(input);
        assertEquals(1, exchanges.size(), () -> render(exchanges).toString());
        Exchange e = exchanges.get(0);
        assertTrue(e.request.decoderResult().isSuccess());
        return e.bodyFailure();
    }

    private static String chunkedPost(String body) {
        return "POST /upload HTTP/1.1\r\n" + HOST + "Transfer-Encoding: chunked\r\n\r\n" + body;
    }

    private static String withHeader(String field) {
        return "GET / HTTP/1.1\r\n" + HOST + field + "\r\n\r\n";
    }

    // ------------------------------------------------------------------ basics

    @Test
    void simpleGetEndsWithEmptyLastContent() {
        EmbeddedChannel ch = new EmbeddedChannel(new Http1RequestDecoder());
        ch.writeInbound(ch.alloc().buffer().writeBytes("GET /a?b=c HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
        HttpRequest request = ch.readInbound();
        assertEquals(HttpMethod.GET, request.method());
        assertEquals("/a?b=c", request.uri());
        assertSame(HttpVersion.HTTP_1_1, request.protocolVersion());
        assertSame(LastHttpContent.EMPTY_LAST_CONTENT, ch.readInbound());
        assertNull(ch.readInbound());
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void headersKeepReceivedOrderAndSpelling() {
        Exchange e = decodeOne("GET / HTTP/1.1\r\nX-b: 1\r\nhost: example.com\r\nX-A: 2\r\nx-b: 3\r\nCONTENT-type: t\r\n\r\n");
        List<String> names = new ArrayList<>();
        List<String> values = new ArrayList<>();
        for (Map.Entry<String, String> h : e.request.headers()) {
            names.add(h.getKey());
            values.add(h.getValue());
        }
        assertEquals(List.of("X-b", "host", "X-A", "x-b", "CONTENT-type"), names);
        assertEquals(List.of("1", "example.com", "2", "3", "t"), values);
    }

    @Test
    void valueIsTrimmedOfSpacesAndTabs() {
        Exchange e = decodeOne(withHeader("X-A: \t a  b \t "));
        assertEquals("a  b", e.request.headers().get("X-A"));
        assertEquals("", decodeOne(withHeader("X-Empty:   ")).request.headers().get("X-Empty"));
    }

    @Test
    void obsTextInValueIsKeptByteForByte() {
        Exchange e = decodeOne(withHeader("X-A: caf\u00e9"));
        assertEquals("caf\u00e9", e.request.headers().get("X-A"));
    }

    @Test
    void unknownTokenMethodIsAccepted() {
        assertEquals("PROPFIND", decodeOne("PROPFIND / HTTP/1.1\r\n" + HOST + "\r\n").request.method().name());
    }

    @Test
    void http10WithoutHostIsAccepted() {
        Exchange e = decodeOne("GET / HTTP/1.0\r\n\r\n");
        assertSame(HttpVersion.HTTP_1_0, e.request.protocolVersion());
    }

    @Test
    void bareLfLineEndingsAreAcceptedInHead() {
        Exchange e = decodeOne("GET / HTTP/1.1\nHost: a\nX-A: b\n\n");
        assertEquals("b", e.request.headers().get("X-A"));
    }

    @Test
    void leadingEmptyLinesAreSkipped() {
        decodeOne("\r\n\r\n\nGET / HTTP/1.1\r\n" + HOST + "\r\n");
    }

    @Test
    void tooManyLeadingEmptyLinesAreRejectedWith400() {
        assertRejected("\r\n".repeat(20) + "GET / HTTP/1.1\r\n" + HOST + "\r\n", 400);
    }

    @Test
    void constructorRejectsNonsenseLimits() {
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> new Http1RequestDecoder(0, 1, 1));
    }

    // ------------------------------------------------------------------ request line

    @Test
    void nonTokenMethodIsRejectedWith400() {
        assertRejected("GE(T / HTTP/1.1\r\n" + HOST + "\r\n", 400);
        assertRejected(" GET / HTTP/1.1\r\n" + HOST + "\r\n", 400);
    }

    @Test
    void extraSpacesInRequestLineAreRejectedWith400() {
        assertRejected("GET  / HTTP/1.1\r\n" + HOST + "\r\n", 400);
        assertRejected("GET /  HTTP/1.1\r\n" + HOST + "\r\n", 400);
        assertRejected("GET / HTTP/1.1 \r\n" + HOST + "\r\n", 400);
        assertRejected("GET\t/ HTTP/1.1\r\n" + HOST + "\r\n", 400);
        assertRejected("GET / x HTTP/1.1\r\n" + HOST + "\r\n", 400);
        assertRejected("GET /\r\n" + HOST + "\r\n", 400);
    }

    @Test
    void targetFormsAreAccepted() {
        assertEquals("http://example.com/x", decodeOne("GET http://example.com/x HTTP/1.1\r\n" + HOST + "\r\n").request.uri());
        decodeOne("GET HTTPS://example.com:8443?q HTTP/1.1\r\nHost: Example.COM:8443\r\n\r\n");
        decodeOne("GET http://[::1]:80/ HTTP/1.1\r\nHost: [::1]:80\r\n\r\n");
        decodeOne("OPTIONS * HTTP/1.1\r\n" + HOST + "\r\n");
    }

    @Test
    void absoluteFormWhoseAuthorityDiffersFromHostIsRejectedWith400() {
        assertRejected("GET http://www.example.com/api HTTP/1.1\r\nHost: admin.example.com\r\n\r\n", 400);
        assertRejected("GET http://example.com:8443/ HTTP/1.1\r\nHost: example.com\r\n\r\n", 400);
    }

    @Test
    void asteriskTargetWithoutOptionsIsRejectedWith400() {
        assertRejected("GET * HTTP/1.1\r\n" + HOST + "\r\n", 400);
    }

    @Test
    void absoluteFormWithoutValidAuthorityIsRejectedWith400() {
        assertRejected("GET http:/// HTTP/1.1\r\n" + HOST + "\r\n", 400);
        assertRejected("GET http://user@host/ HTTP/1.1\r\n" + HOST + "\r\n", 400);
        assertRejected("GET ftp://host/ HTTP/1.1\r\n" + HOST + "\r\n", 400);
        assertRejected("GET index.html HTTP/1.1\r\n" + HOST + "\r\n", 400);
    }

    @Test
    void connectAndAuthorityFormAreRejectedWith405() {
        assertRejected("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", 405);
        assertRejected("GET example.com:443 HTTP/1.1\r\n" + HOST + "\r\n", 405);
    }

    @Test
    void nonVisibleTargetBytesAreRejectedWith400() {
        assertRejected("GET /caf\u00e9 HTTP/1.1\r\n" + HOST + "\r\n", 400);
        assertRejected("GET /\u007f HTTP/1.1\r\n" + HOST + "\r\n", 400);
        assertRejected("GET /\u0000 HTTP/1.1\r\n" + HOST + "\r\n", 400);
    }

    @Test
    void otherWellFormedVersionsAreRejectedWith505() {
        assertRejected("GET / HTTP/2.0\r\n" + HOST + "\r\n", 505);
        assertRejected("GET / HTTP/1.2\r\n" + HOST + "\r\n", 505);
        assertRejected("GET / HTTP/0.9\r\n" + HOST + "\r\n", 505);
    }

    @Test
    void malformedVersionsAreRejectedWith400() {
        assertRejected("GET / http/1.1\r\n" + HOST + "\r\n", 400);
        assertRejected("GET / HTTP/1.10\r\n" + HOST + "\r\n", 400);
        assertRejected("GET / HTTP/11\r\n" + HOST + "\r\n", 400);
        assertRejected("GET / HTTP/1.x\r\n" + HOST + "\r\n", 400);
        assertRejected("GET / HTTP/2\r\n" + HOST + "\r\n", 400);
    }

    @Test
    void oversizeRequestLineIsRejectedWith414() {
        String target = "/" + "a".repeat(8192);
        assertRejected("GET " + target + " HTTP/1.1\r\n" + HOST + "\r\n", 414);
        // Without a line end in sight: rejected as soon as the limit is passed, not buffered forever.
        assertRejected("GET " + target, 414);
    }

    @Test
    void requestLineExactlyAtLimitIsAccepted() {
        String line = "GET /" + "a".repeat(100 - "GET / HTTP/1.1".length()) + " HTTP/1.1";
        assertEquals(100, line.length());
        EmbeddedChannel ch = new EmbeddedChannel(new Http1RequestDecoder(100, 1024, 10));
        List<Exchange> ok = feed(ch, line + "\r\n" + HOST + "\r\n", 1);
        assertTrue(ok.get(0).request.decoderResult().isSuccess());
        assertFalse(ch.finishAndReleaseAll());
        EmbeddedChannel ch2 = new EmbeddedChannel(new Http1RequestDecoder(99, 1024, 10));
        List<Exchange> tooLong = feed(ch2, line + "\r\n" + HOST + "\r\n", 1);
        assertEquals(414, ((HttpRejection) tooLong.get(0).request.decoderResult().cause()).status());
        assertFalse(ch2.finishAndReleaseAll());
    }

    @Test
    void bareCrIsRejectedWith400() {
        assertRejected("GET / HTTP/1.1\r\r\n" + HOST + "\r\n", 400);
        assertRejected("GET /\r HTTP/1.1\r\n" + HOST + "\r\n", 400);
        assertRejected("GET / HTTP/1.1\r\nX-A: a\rb\r\n" + HOST + "\r\n", 400);
        assertRejected("GET / HTTP/1.1\r\n" + HOST + "X-A: b\r\r\n\r\n", 400);
        assertRejected("GET / HTTP/1.1\r\n" + HOST + "\r\r\n", 400);
        assertRejected("\rGET / HTTP/1.1\r\n" + HOST + "\r\n", 400);
    }

    // ------------------------------------------------------------------ header fields

    @Test
    void emptyOrNonTokenHeaderNameIsRejectedWith400() {
        assertRejected(withHeader(": value"), 400);
        assertRejected(withHeader("X(A): value"), 400);
        assertRejected(withHeader("X\u00e9: value"), 400);
        assertRejected(withHeader("NoColon"), 400);
    }

    @Test
    void whitespaceBeforeColonIsRejectedWith400() {
        assertRejected(withHeader("X-A : b"), 400);
        assertRejected(withHeader("X-A\t: b"), 400);
    }

    @Test
    void obsFoldIsRejectedWith400() {
        assertRejected("GET / HTTP/1.1\r\n" + HOST + "X-A: a\r\n b\r\n\r\n", 400);
        assertRejected("GET / HTTP/1.1\r\n" + HOST + "X-A: a\r\n\tb\r\n\r\n", 400);
        assertRejected("GET / HTTP/1.1\r\n Host: a\r\n\r\n", 400);
    }

    @Test
    void nulInHeaderValueIsRejectedWith400() {
        assertRejected(withHeader("X-A: a\u0000b"), 400);
    }

    @Test
    void controlCharactersInHeaderValueAreRejectedWith400() {
        for (char c : new char[] {0x01, 0x08, 0x0b, 0x0c, 0x1b, 0x1f, 0x7f}) {
            assertRejected(withHeader("X-A: a" + c + "b"), 400);
        }
    }

    @Test
    void oversizeHeaderSectionIsRejectedWith431() {
        String big = "X-Big: " + "v".repeat(16384) + "\r\n";
        assertRejected("GET / HTTP/1.1\r\n" + HOST + big + "\r\n", 431);
        // Many small fields adding up past the limit, and a section that never ends.
        assertRejected("GET / HTTP/1.1\r\n" + HOST + ("X-Filler: " + "f".repeat(200) + "\r\n").repeat(99), 431);
    }

    @Test
    void headerSectionJustUnderLimitIsAccepted() {
        String head = HOST + "X-A: ";
        String filler = "v".repeat(1024 - head.length() - 4);
        EmbeddedChannel ch = new EmbeddedChannel(new Http1RequestDecoder(8192, 1024, 10));
        List<Exchange> ok = feed(ch, "GET / HTTP/1.1\r\n" + head + filler + "\r\n\r\n", 7);
        assertTrue(ok.get(0).request.decoderResult().isSuccess());
        assertFalse(ch.finishAndReleaseAll());
        EmbeddedChannel ch2 = new EmbeddedChannel(new Http1RequestDecoder(8192, 1023, 10));
        List<Exchange> tooBig = feed(ch2, "GET / HTTP/1.1\r\n" + head + filler + "\r\n\r\n", 7);
        assertEquals(431, ((HttpRejection) tooBig.get(0).request.decoderResult().cause()).status());
        assertFalse(ch2.finishAndReleaseAll());
    }

    @Test
    void tooManyHeaderFieldsAreRejectedWith431() {
        assertRejected("GET / HTTP/1.1\r\n" + HOST + "X-A: 1\r\n".repeat(100) + "\r\n", 431);
        decodeOne("GET / HTTP/1.1\r\n" + HOST + "X-A: 1\r\n".repeat(99) + "\r\n");
    }

    // ------------------------------------------------------------------ Host

    @Test
    void missingHostInHttp11IsRejectedWith400() {
        assertRejected("GET / HTTP/1.1\r\n\r\n", 400);
    }

    @Test
    void duplicateHostIsRejectedWith400() {
        assertRejected("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", 400);
        assertRejected("GET / HTTP/1.0\r\nHost: a\r\nhost: b\r\n\r\n", 400);
    }

    @Test
    void validHostValuesAreAccepted() {
        for (String host : List.of("a", "example.com:8080", "127.0.0.1", "[::1]", "[2001:db8::1]:443", "xn--bcher-kva.de",
            "a_b-c.d~e", "%41bc")) {
            decodeOne("GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
        }
    }

    @Test
    void invalidHostValuesAreRejectedWith400() {
        for (String host : List.of("", "a b", "a/b", "user@a", "a?b", "a#b", "a:", "a:99999", "a:8x", ":80", "[::1",
            "[zz::1]", "[]", "a:80:80", "%4", "a\\b")) {
            assertRejected("GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n", 400);
        }
    }

    // ------------------------------------------------------------------ Content-Length

    @Test
    void contentLengthBodyIsEmittedExactly() {
        Exchange e = decodeOne("POST / HTTP/1.1\r\n" + HOST + "Content-Length: 5\r\n\r\nhello");
        assertEquals("hello", e.body.toString());
    }

    @Test
    void zeroContentLengthHasNoBody() {
        Exchange e = decodeOne("POST / HTTP/1.1\r\n" + HOST + "Content-Length: 0\r\n\r\n");
        assertEquals(0, e.parts);
    }

    @Test
    void duplicateContentLengthIsRejectedWith400() {
        assertRejected("POST / HTTP/1.1\r\n" + HOST + "Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello", 400);
        assertRejected("POST / HTTP/1.1\r\n" + HOST + "Content-Length: 5\r\ncontent-length: 6\r\n\r\nhello!", 400);
    }

    @Test
    void malformedContentLengthIsRejectedWith400() {
        for (String value : List.of("", "5,5", "5, 5", "+5", "-1", "5 5", "0x5", "5a", "1e3", "\u00bd",
            "1000000000000001", "99999999999999999999", "18446744073709551621")) {
            assertRejected("POST / HTTP/1.1\r\n" + HOST + "Content-Length: " + value + "\r\n\r\n", 400);
        }
    }

    @Test
    void largestAllowedContentLengthIsAccepted() {
        EmbeddedChannel ch = new EmbeddedChannel(new Http1RequestDecoder());
        List<Exchange> e = feed(ch, "POST / HTTP/1.1\r\n" + HOST + "Content-Length: 1000000000000000\r\n\r\nabc", 1000);
        assertTrue(e.get(0).request.decoderResult().isSuccess());
        assertEquals("abc", e.get(0).body.toString());
        assertFalse(e.get(0).complete);
        ch.finishAndReleaseAll();
    }

    @Test
    void bodyIsARetainedSliceNotACopy() {
        EmbeddedChannel ch = new EmbeddedChannel(new Http1RequestDecoder());
        ch.writeInbound(ch.alloc().buffer().writeBytes(
            ("POST / HTTP/1.1\r\n" + HOST + "Content-Length: 3\r\n\r\nabc").getBytes(StandardCharsets.US_ASCII)));
        ReferenceCountUtil.release(ch.readInbound());
        HttpContent content = ch.readInbound();
        try {
            assertNotNull(content.content().unwrap(), "expected a derived buffer");
        } finally {
            content.release();
        }
        assertSame(LastHttpContent.EMPTY_LAST_CONTENT, ch.readInbound());
        assertFalse(ch.finishAndReleaseAll());
    }

    // ------------------------------------------------------------------ Transfer-Encoding

    @Test
    void chunkedBodyIsDechunkedAndTransferEncodingKept() {
        Exchange e = decodeOne(chunkedPost("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"));
        assertEquals("hello world", e.body.toString());
        assertEquals("chunked", e.request.headers().get("Transfer-Encoding"));
        assertNull(e.trailers);
    }

    @Test
    void chunkSizesAreHexInEitherCase() {
        String data = "x".repeat(0x1a);
        assertEquals(data + data, decodeOne(chunkedPost("1a\r\n" + data + "\r\n1A\r\n" + data + "\r\n000\r\n\r\n")).body.toString());
    }

    @Test
    void chunkExtensionsAreAccepted() {
        Exchange e = decodeOne(chunkedPost("3;name=value\r\nabc\r\n2 ; a=\"b c\"\t;x\r\nde\r\n0;last\r\n\r\n"));
        assertEquals("abcde", e.body.toString());
    }

    @Test
    void trailersAreDeliveredOnLastContent() {
        Exchange e = decodeOne(chunkedPost("3\r\nabc\r\n0\r\nX-Checksum: 123\r\nx-other:\t v \r\n\r\n"));
        assertEquals("abc", e.body.toString());
        assertEquals("123", e.trailers.get("X-Checksum"));
        assertEquals("v", e.trailers.get("x-other"));
    }

    @Test
    void transferEncodingInHttp10IsRejectedWith400() {
        assertRejected("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400);
    }

    @Test
    void transferEncodingListsEndingInChunkedAreAccepted() {
        decodeOne(chunkedPost("0\r\n\r\n").replace("chunked", "gzip, chunked"));
        decodeOne(chunkedPost("0\r\n\r\n").replace("chunked", "Chunked"));
        decodeOne(chunkedPost("0\r\n\r\n").replace("chunked", "gzip;level=1 ,\tCHUNKED"));
        decodeOne("POST / HTTP/1.1\r\n" + HOST + "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
    }

    @Test
    void invalidTransferEncodingIsRejectedWith400() {
        for (String te : List.of("chunked, gzip", "xchunked", "chunkedx", "chunked;q=1", "chunked, chunked", ", chunked",
            "chunked,", "gzip,,chunked", "identity", "", "\"chunked\"", "chunked gzip", "gzip chunked", "gzip x;chunked")) {
            assertRejected("POST / HTTP/1.1\r\n" + HOST + "Transfer-Encoding: " + te + "\r\n\r\n0\r\n\r\n", 400);
        }
    }

    // ------------------------------------------------------------------ smuggling vectors

    @Test
    void contentLengthWithTransferEncodingIsRejectedWith400() {
        // CL.TE: a front end using Content-Length forwards "G" to the server as the start of the next request.
        assertRejected("POST / HTTP/1.1\r\n" + HOST + "Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG", 400);
        // TE.CL: a back end using Content-Length sees the chunk body as a second request.
        assertRejected("POST / HTTP/1.1\r\n" + HOST + "Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n"
            + "5c\r\nGPOST / HTTP/1.1\r\n\r\n0\r\n\r\n", 400);
    }

    @Test
    void transferEncodingWithSpaceBeforeColonIsRejectedWith400() {
        assertRejected("POST / HTTP/1.1\r\n" + HOST + "Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n", 400);
    }

    @Test
    void secondTransferEncodingFieldIsJoinedAndRejectedWith400() {
        assertRejected("POST / HTTP/1.1\r\n" + HOST + "Transfer-Encoding: chunked\r\nTransfer-Encoding: x\r\n\r\n0\r\n\r\n", 400);
        assertRejected("POST / HTTP/1.1\r\n" + HOST + "Transfer-Encoding: chunked\r\nTransfer-encoding: chunked\r\n\r\n0\r\n\r\n", 400);
    }

    @Test
    void transferEncodingWithTabBeforeValueIsAccepted() {
        Exchange e = decodeOne("POST / HTTP/1.1\r\n" + HOST + "Transfer-Encoding:\tchunked\r\n\r\n2\r\nok\r\n0\r\n\r\n");
        assertEquals("ok", e.body.toString());
    }

    @Test
    void transferEncodingWithVerticalTabIsRejectedWith400() {
        assertRejected("POST / HTTP/1.1\r\n" + HOST + "Transfer-Encoding: \u000bchunked\r\n\r\n0\r\n\r\n", 400);
        assertRejected("POST / HTTP/1.1\r\n" + HOST + "Transfer-Encoding:\u000bchunked\r\n\r\n0\r\n\r\n", 400);
        assertRejected("POST / HTTP/1.1\r\n" + HOST + "Transfer-Encoding: chunked\u000c\r\n\r\n0\r\n\r\n", 400);
    }

    @Test
    void foldedTransferEncodingIsRejectedWith400() {
        assertRejected("POST / HTTP/1.1\r\n" + HOST + "Transfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n", 400);
    }

    @Test
    void bareCrHidingAHeaderIsRejectedWith400() {
        assertRejected("POST / HTTP/1.1\r\n" + HOST + "X: y\rTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400);
    }

    // ------------------------------------------------------------------ WebSocket handshake (RFC 6455 §4.2.1)

    private static final String KEY = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";

    private static String handshake(String upgrade, String connection, String rest) {
        return "GET /chat HTTP/1.1\r\n" + HOST + "Upgrade: " + upgrade + "\r\nConnection: " + connection + "\r\n"
                + rest + "Sec-WebSocket-Version: 13\r\n\r\n";
    }

    @Test
    void websocketHandshakeWithItsKeyIsAccepted() {
        decodeOne(handshake("websocket", "Upgrade", KEY));
        decodeOne(handshake("WebSocket", "keep-alive, Upgrade", KEY));
    }

    @Test
    void websocketHandshakeWithoutKeyIsRejectedWith400() {
        assertRejected(handshake("websocket", "Upgrade", ""), 400);
        assertRejected(handshake("websocket", "upgrade", "Sec-WebSocket-Key:\r\n"), 400);
    }

    @Test
    void websocketKeyThatIsNotTwentyFourCharactersIsRejectedWith400() {
        assertRejected(handshake("websocket", "Upgrade", "Sec-WebSocket-Key: dGhl\r\n"), 400);
        assertRejected(handshake("websocket", "Upgrade", "Sec-WebSocket-Key: " + "A".repeat(27) + "=\r\n"), 400);
        assertRejected(handshake("websocket", "Upgrade", "Sec-WebSocket-Key: " + "dGhlIHNhbXBsZSBub25jZQ==, ".repeat(2) + "\r\n"), 400);
    }

    @Test
    void websocketIsFoundInUpgradeAndConnectionListsAcrossFields() {
        assertRejected(handshake("h2c, websocket", "Upgrade", ""), 400);
        assertRejected("GET / HTTP/1.1\r\n" + HOST + "Upgrade: h2c\r\nUpgrade: websocket\r\nConnection: close\r\n"
                + "Connection: upgrade\r\n\r\n", 400);
    }

    @Test
    void keylessRequestThatIsNotAWebsocketHandshakeIsAccepted() {
        decodeOne(handshake("websocket", "keep-alive", ""));
        decodeOne(handshake("websocketx", "Upgrade", ""));
        decodeOne(handshake("h2c", "Upgrade", ""));
        decodeOne(handshake("websocket", "upgradex", ""));
    }

    @Test
    void keylessWebsocketRequestWithABodyIsLeftToLoseItsUpgrade() {
        Exchange e = decodeOne("GET /chat HTTP/1.1\r\n" + HOST + "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Content-Length: 3\r\n\r\nabc");
        assertEquals("abc", e.body.toString());
        assertRejected("GET /chat HTTP/1.1\r\n" + HOST + "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Content-Length: 0\r\n\r\n", 400);
    }

    @Test
    void nothingIsDecodedAfterARejection() {
        EmbeddedChannel ch = new EmbeddedChannel(new Http1RequestDecoder());
        List<Exchange> first = feed(ch, "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\nGET /next HTTP/1.1\r\n" + HOST + "\r\n", 1 << 20);
        assertEquals(1, first.size());
        assertTrue(first.get(0).request.decoderResult().isFailure());
        assertTrue(feed(ch, "GET /later HTTP/1.1\r\n" + HOST + "\r\n", 1 << 20).isEmpty());
        assertFalse(ch.finishAndReleaseAll());
    }

    // ------------------------------------------------------------------ chunk framing failures

    @Test
    void bareLfInChunkFramingFailsTheBody() {
        assertBodyFails(chunkedPost("3\nabc\r\n0\r\n\r\n"));
        assertBodyFails(chunkedPost("3\r\nabc\n0\r\n\r\n"));
        assertBodyFails(chunkedPost("3\r\nabc\r\n0\n\r\n"));
        assertBodyFails(chunkedPost("3\r\nabc\r\n0\r\n\n"));
        assertBodyFails(chunkedPost("0\r\nX-T: 1\n\r\n"));
    }

    @Test
    void malformedChunkSizeFailsTheBody() {
        for (String size : List.of("", " 3", "3 ", "+3", "-3", "0x3", "g", "3;\u0000", "3;a\u007f", "3;\u00e9", "11111111111111111",
            "8000000000000000", "ffffffffffffffff", "3\r")) {
            HttpRejection r = assertBodyFails(chunkedPost(size + "\r\nabc\r\n0\r\n\r\n"));
            assertEquals(400, r.status());
        }
    }

    @Test
    void largestSixteenDigitChunkSizeIsAccepted() {
        EmbeddedChannel ch = new EmbeddedChannel(new Http1RequestDecoder());
        List<Exchange> e = feed(ch, chunkedPost("7fffffffffffffff\r\nabc"), 1 << 20);
        assertTrue(e.get(0).request.decoderResult().isSuccess());
        assertEquals("abc", e.get(0).body.toString());
        assertFalse(e.get(0).complete);
        ch.finishAndReleaseAll();
    }

    @Test
    void chunkDataNotFollowedByCrlfFailsTheBody() {
        assertBodyFails(chunkedPost("3\r\nabcd\r\n0\r\n\r\n"));
        assertBodyFails(chunkedPost("3\r\nabc\r0\r\n\r\n"));
        assertBodyFails(chunkedPost("3\r\nabc0\r\n\r\n"));
    }

    @Test
    void invalidTrailerFailsTheBody() {
        assertBodyFails(chunkedPost("0\r\nX T: 1\r\n\r\n"));
        assertBodyFails(chunkedPost("0\r\nX-T: \u00001\r\n\r\n"));
        assertBodyFails(chunkedPost("0\r\nX-T: 1\r\n folded\r\n\r\n"));
        assertBodyFails(chunkedPost("0\r\nContent-Length: 5\r\n\r\n"));
        assertBodyFails(chunkedPost("0\r\nTransfer-Encoding: chunked\r\n\r\n"));
    }

    @Test
    void oversizeTrailersFailTheBodyWith431() {
        assertEquals(431, assertBodyFails(chunkedPost("0\r\n" + "X-T: 1\r\n".repeat(101) + "\r\n")).status());
        assertEquals(431, assertBodyFails(chunkedPost("0\r\nX-T: " + "t".repeat(16384) + "\r\n\r\n")).status());
    }

    @Test
    void chunkDataAlreadyEmittedPrecedesTheFailure() {
        List<Exchange> exchanges = decode(chunkedPost("3\r\nabc\r\nzz\r\n0\r\n\r\nGET / HTTP/1.1\r\n" + HOST + "\r\n"));
        assertEquals(1, exchanges.size());
        assertEquals("abc", exchanges.get(0).body.toString());
        assertEquals(400, exchanges.get(0).bodyFailure().status());
    }

    @Test
    void connectionClosedInsideBodyFailsTheBody() {
        EmbeddedChannel ch = new EmbeddedChannel(new Http1RequestDecoder());
        List<Exchange> e = feed(ch, "POST / HTTP/1.1\r\n" + HOST + "Content-Length: 10\r\n\r\nabc", 1 << 20);
        assertEquals("abc", e.get(0).body.toString());
        assertFalse(e.get(0).complete);
        assertTrue(ch.finish());
        LastHttpContent last = ch.readInbound();
        assertEquals(400, ((HttpRejection) last.decoderResult().cause()).status());
        last.release();
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void connectionClosedBetweenRequestsEmitsNothing() {
        EmbeddedChannel ch = new EmbeddedChannel(new Http1RequestDecoder());
        feed(ch, "GET / HTTP/1.1\r\n" + HOST + "\r\nGET /part", 1 << 20);
        assertFalse(ch.finish());
    }

    // ------------------------------------------------------------------ pipelining

    @Test
    void twoPipelinedGetsInOneBufferAreDecodedInOrder() {
        List<Exchange> e = decode("GET /1 HTTP/1.1\r\n" + HOST + "\r\nGET /2 HTTP/1.1\r\n" + HOST + "\r\n");
        assertEquals(2, e.size());
        assertEquals("/1", e.get(0).request.uri());
        assertEquals("/2", e.get(1).request.uri());
        assertTrue(e.get(1).complete);
    }

    @Test
    void pipelinedBodiesKeepExactBoundaries() {
        String stream = "POST /1 HTTP/1.1\r\n" + HOST + "Content-Length: 10\r\n\r\nGET /x HTT"
            + "POST /2 HTTP/1.1\r\n" + HOST + "Transfer-Encoding: chunked\r\n\r\n4\r\nGET \r\n2\r\n/y\r\n0\r\nT: 1\r\n\r\n"
            + "\r\n" // a stray CRLF after a body, which RFC 9112 §2.2 lets servers skip
            + "PUT /3 HTTP/1.0\r\nContent-Length: 3\r\n\r\nabc"
            + "GET /4 HTTP/1.1\r\n" + HOST + "\r\n";
        List<Exchange> e = decode(stream);
        assertEquals(4, e.size(), () -> render(e).toString());
        assertEquals("GET /x HTT", e.get(0).body.toString());
        assertEquals("GET /y", e.get(1).body.toString());
        assertEquals("1", e.get(1).trailers.get("T"));
        assertEquals("abc", e.get(2).body.toString());
        assertEquals(HttpMethod.PUT, e.get(2).request.method());
        assertEquals("/4", e.get(3).request.uri());
        for (Exchange x : e) {
            assertTrue(x.request.decoderResult().isSuccess());
            assertTrue(x.complete);
            assertTrue(x.lastResult.isSuccess());
        }
    }

    @Test
    void contentLengthBodySplitAcrossWritesIsEmittedAsSlicesInOrder() {
        EmbeddedChannel ch = new EmbeddedChannel(new Http1RequestDecoder());
        List<Exchange> e = feed(ch, "POST / HTTP/1.1\r\n" + HOST + "Content-Length: 26\r\n\r\nabcdefghijklmnopqrstuvwxyzGET / HTTP/1.1\r\n"
            + HOST + "\r\n", 5);
        assertEquals(2, e.size());
        assertEquals("abcdefghijklmnopqrstuvwxyz", e.get(0).body.toString());
        assertTrue(e.get(0).parts > 1);
        assertTrue(e.get(1).complete);
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void aConnectionsRepeatedHostIsOneStringWhileItsOtherValuesAreNotKept() {
        List<Exchange> three = decode("GET /a HTTP/1.1\r\n" + HOST + "Accept: */*\r\n\r\n"
                + "GET /b HTTP/1.1\r\n" + HOST + "Accept: */*\r\n\r\n"
                + "GET /c HTTP/1.1\r\nHost: other.example\r\n\r\n");
        HttpHeaders first = three.get(0).request.headers();
        HttpHeaders second = three.get(1).request.headers();
        assertSame(first.get("Host"), second.get("Host"), "an equal Host value is the previous request's String");
        assertEquals("*/*", second.get("Accept"));
        assertNotSame(first.get("Accept"), second.get("Accept"), "a client connection keeps no other value");
        assertEquals("other.example", three.get(2).request.headers().get("Host"));
    }
}
