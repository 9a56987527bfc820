package io.tandem.l7.http;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;

import java.util.ArrayDeque;
import java.util.List;

import static io.tandem.l7.http.Http1Syntax.SP;
import static io.tandem.l7.http.Http1Syntax.isDigit;

/**
 * Strict HTTP/1.x response decoder for the server side of the proxy: what a server sends is read as strictly as
 * what a client sends, since a response the proxy and the client frame differently poisons the client's
 * connection (response splitting, desynchronised keep-alive).
 *
 * <p>Output per response: one {@link DefaultHttpResponse} (its fields in {@link FlatHeaders}, its version, status
 * and usual reason phrase shared constants), zero or more contents, then exactly one {@link LastHttpContent}. An
 * interim (1xx) response is a head and an empty last content; the final response follows. After a {@code 101}
 * the bytes that follow are not HTTP/1 and go on as they came, as {@link ByteBuf}s. No body follows a 204, a 304
 * or the answer to a HEAD ({@link #requestSent} says which requests were HEAD); a response without length or
 * chunking ends with the connection. A status line, header or framing the proxy cannot pass on unambiguously
 * emits a placeholder response whose decoder result is a failed {@link HttpRejection} with status 502 (a body
 * that goes wrong: a failed last content), and everything after it is discarded: the connection must close.
 */
public final class Http1ResponseDecoder extends Http1Decoder {
    private static final int STATUS_LINE_START = "HTTP/1.1 ".length();
    /** The known statuses by code, with Netty's reason phrase; null where Netty knows none. */
    private static final HttpResponseStatus[] KNOWN = new HttpResponseStatus[600];

    static {
        for (int code = 100; code < KNOWN.length; code++) {
            HttpResponseStatus known = HttpResponseStatus.valueOf(code);
            if (!known.reasonPhrase().startsWith("Unknown Status")) {
                KNOWN[code] = known;
            }
        }
    }

    private final int maxStatusLine;
    /** Per request sent and not yet answered: whether it was a HEAD, whose response has no body. */
    private final ArrayDeque<Boolean> heads = new ArrayDeque<>(2);

    // The head being read.
    private HttpVersion version;
    private HttpResponseStatus status;

    /**
     * @param maxStatusLine  longest status line without its line terminator
     * @param maxHeaderBytes largest header (and trailer) section, line terminators included
     * @param maxHeaderCount most header (and trailer) fields
     */
    public Http1ResponseDecoder(int maxStatusLine, int maxHeaderBytes, int maxHeaderCount) {
        super(maxHeaderBytes, maxHeaderCount, true, true);
        this.maxStatusLine = maxStatusLine;
    }

    /** A request went out on the connection; its response comes after those of the requests before it. */
    public void requestSent(boolean head) {
        heads.add(head);
    }

    /** True when bytes the server sent after its last complete response wait unread (none once removed). */
    public boolean hasUnreadBytes() {
        return actualReadableBytes() > 0;
    }

    @Override
    boolean readStartLine(ByteBuf in, List<Object> out) {
        int start = in.readerIndex();
        int lf = nextLine(in, out, maxStatusLine + 2, 502, "status line too long");
        if (lf < 0) {
            return false;
        }
        int end = lineEnd(in, start, lf);
        if (end == start) {
            return skipEmptyLine(in, out, lf);
        }
        int len = end - start;
        if (len > maxStatusLine) {
            return reject(in, out, 502, "status line too long");
        }
        byte[] line = copyLine(in, start, len);
        version = version(line, len);
        if (version == null) {
            return reject(in, out, 502, "invalid or unsupported HTTP version in the status line");
        }
        // status-line = HTTP-version SP status-code SP [ reason-phrase ]; a missing last SP is tolerated.
        int s = STATUS_LINE_START;
        if (len < s + 3 || !isDigit(line[s]) || !isDigit(line[s + 1]) || !isDigit(line[s + 2])
                || (len > s + 3 && line[s + 3] != SP)) {
            return reject(in, out, 502, "invalid status code");
        }
        int code = (line[s] - '0') * 100 + (line[s + 1] - '0') * 10 + line[s + 2] - '0';
        if (code < 100 || code >= KNOWN.length) {
            return reject(in, out, 502, "status code out of range");
        }
        int reasonStart = Math.min(len, s + 4);
        for (int i = reasonStart; i < len; i++) {
            if (!Http1Syntax.isFieldChar(line[i] & 0xFF)) {
                return reject(in, out, 502, "invalid character in the reason phrase");
            }
        }
        HttpResponseStatus known = KNOWN[code];
        status = known != null && KnownNames.equalsAt(line, reasonStart, len - reasonStart, known.reasonPhrase())
                ? known : new HttpResponseStatus(code, latin1(line, reasonStart, len - reasonStart));
        beginHeaders(in, lf);
        return true;
    }

    private static HttpVersion version(byte[] line, int len) {
        if (len < STATUS_LINE_START || line[STATUS_LINE_START - 1] != SP) {
            return null;
        }
        if (KnownNames.equalsAt(line, 0, STATUS_LINE_START - 1, "HTTP/1.1")) {
            return HttpVersion.HTTP_1_1;
        }
        return KnownNames.equalsAt(line, 0, STATUS_LINE_START - 1, "HTTP/1.0") ? HttpVersion.HTTP_1_0 : null;
    }

    /** A response's framing is the only field that decides how it is read: nothing else to note. */
    @Override
    void recordField(String name, String value) {
    }

    @Override
    boolean finishHead(ByteBuf in, List<Object> out) {
        String framing = checkFraming(version == HttpVersion.HTTP_1_1);
        if (framing != null) {
            return reject(in, out, 502, framing);
        }
        int code = status.code();
        DefaultHttpResponse response = new DefaultHttpResponse(version, status, fields);
        boolean isChunked = chunked;
        long bodyLength = length;
        clearHead();
        out.add(response);
        if (code < 200) {
            // An interim response is a head alone; the final one, which answers the request, is still to come.
            out.add(LastHttpContent.EMPTY_LAST_CONTENT);
            state = code == 101 ? State.RAW : State.START_LINE;
            return true;
        }
        boolean head = Boolean.TRUE.equals(heads.poll());
        if (head || code == 204 || code == 304) {
            startBody(out, false, 0);
        } else {
            startBody(out, isChunked, bodyLength);
        }
        return true;
    }

    @Override
    void clearHead() {
        super.clearHead();
        version = null;
        status = null;
    }

    /** A placeholder {@code 502} carrying the rejection. */
    @Override
    Object rejectedHead(HttpRejection rejection) {
        DefaultHttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.BAD_GATEWAY,
                new FlatHeaders());
        response.setDecoderResult(DecoderResult.failure(rejection));
        return response;
    }

    /** Whatever a request would have been answered, a response the proxy cannot pass on is the server's fault. */
    @Override
    HttpRejection rejection(int status, String reason) {
        return new HttpRejection(502, reason);
    }

    /** Half a head is no response: the request may or may not have been served, so it is not sent again. */
    @Override
    void closedInsideHead(ByteBuf in, List<Object> out) {
        reject(in, out, 502, "connection closed inside the response head");
    }
}
