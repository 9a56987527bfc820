package io.tandem.l7.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import io.netty.util.ByteProcessor;
import io.netty.util.concurrent.FastThreadLocal;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Strict HTTP/1.x request decoder for the client side of the proxy: rejects every ambiguous framing (RFC 9112).
 *
 * <p>Output per request: one {@link DefaultHttpRequest}, zero or more {@link DefaultHttpContent} (retained
 * slices of the input, dechunked), then exactly one {@link LastHttpContent}. A violation in the head emits a
 * placeholder {@code GET / HTTP/1.1} request whose decoder result is a failed {@link HttpRejection}; a violation
 * in a chunked body emits a failed {@link DefaultLastHttpContent}. Either way all further input is discarded,
 * because after a framing error nothing on the connection can be trusted to start a new request.
 */
public final class Http1RequestDecoder extends ByteToMessageDecoder {

    /** Longest request line accepted by the no-arg constructor. */
    public static final int DEFAULT_MAX_REQUEST_LINE = 8192;
    /** Largest header section (and trailer section) accepted by the no-arg constructor; HAProxy's bufsize. */
    public static final int DEFAULT_MAX_HEADER_BYTES = 16384;
    /** Most header (and trailer) fields accepted by the no-arg constructor. */
    public static final int DEFAULT_MAX_HEADER_COUNT = 100;

    /** RFC 9112 §2.2 lets a server skip "at least one" empty line before a request; a few tolerate sloppy clients. */
    private static final int MAX_EMPTY_LINES = 8;
    /** Chunk-size line with extensions; longer lines are abuse, not a real client. */
    private static final int MAX_CHUNK_LINE = 4096;
    /** RFC 9110 numbers fit in 2^53; 10^15 is a clear, decimal bound below it. */
    private static final long MAX_CONTENT_LENGTH = 1_000_000_000_000_000L;

    private static final byte CR = '\r';
    private static final byte LF = '\n';
    private static final byte SP = ' ';
    private static final byte HTAB = '\t';

    /** Validation happens here, byte by byte; Netty re-validating each header would only double the cost. */
    private static final HttpHeadersFactory HEADERS = DefaultHttpHeadersFactory.headersFactory().withValidation(false);
    private static final HttpHeadersFactory TRAILERS = DefaultHttpHeadersFactory.trailersFactory().withValidation(false);

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

    private static final ByteProcessor WHILE_EXT_CHAR = b -> EXT_CHAR[b & 0xFF];

    private static final FastThreadLocal<byte[]> SCRATCH = new FastThreadLocal<>() {
        @Override
        protected byte[] initialValue() {
            return new byte[512];
        }
    };

    /** Methods recognised without allocating a String; anything else is still accepted if it is a token. */
    private static final HttpMethod[] KNOWN_METHODS = {
        HttpMethod.GET, HttpMethod.POST, HttpMethod.HEAD, HttpMethod.PUT, HttpMethod.DELETE,
        HttpMethod.OPTIONS, HttpMethod.PATCH, HttpMethod.TRACE, HttpMethod.CONNECT,
    };

    private enum State { REQUEST_LINE, HEADERS, FIXED_BODY, CHUNK_SIZE, CHUNK_DATA, CHUNK_DATA_END, TRAILERS, BAD }

    private final int maxRequestLine;
    private final int maxHeaderBytes;
    private final int maxHeaderCount;

    private State state = State.REQUEST_LINE;

    // Per-message state: set while reading a head or trailer section, cleared when it is emitted.
    private int emptyLines;
    private HttpMethod method;
    private String uri;
    private HttpVersion version;
    private HttpHeaders fields;
    private int fieldBytes;
    private int fieldCount;
    private int hostCount;
    private String host;
    private int contentLengthCount;
    private String contentLength;
    private String transferEncoding;
    private boolean connectionUpgrade;
    private boolean upgradeWebsocket;
    private boolean websocketKey;

    // Body progress.
    private long remaining;

    /** Bytes after the reader index already searched for LF, so a line trickling in byte by byte costs O(n). */
    private int scanned;

    /** Decoder with HAProxy-like defaults: 8 KiB request line, 16 KiB header section, 100 fields. */
    public Http1RequestDecoder() {
        this(DEFAULT_MAX_REQUEST_LINE, DEFAULT_MAX_HEADER_BYTES, DEFAULT_MAX_HEADER_COUNT);
    }

    /**
     * @param maxRequestLine longest request line without its line terminator; longer gets 414
     * @param maxHeaderBytes largest header section, line terminators and final empty line included; larger gets 431
     * @param maxHeaderCount most header fields; more gets 431. The two header limits also bound chunked trailers.
     */
    public Http1RequestDecoder(int maxRequestLine, int maxHeaderBytes, int maxHeaderCount) {
        if (maxRequestLine < 16 || maxHeaderBytes < 2 || maxHeaderCount < 1) {
            throw new IllegalArgumentException("limits too small: requestLine=" + maxRequestLine
                + " headerBytes=" + maxHeaderBytes + " headerCount=" + maxHeaderCount);
        }
        this.maxRequestLine = maxRequestLine;
        this.maxHeaderBytes = maxHeaderBytes;
        this.maxHeaderCount = maxHeaderCount;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        boolean progressed = true;
        while (progressed) {
            progressed = switch (state) {
                case REQUEST_LINE -> readRequestLine(in, out);
                case HEADERS -> readHeaderLine(in, out);
                case FIXED_BODY -> readBodyBytes(in, out, State.REQUEST_LINE);
                case CHUNK_SIZE -> readChunkSize(in, out);
                case CHUNK_DATA -> readBodyBytes(in, out, State.CHUNK_DATA_END);
                case CHUNK_DATA_END -> readChunkDataEnd(in, out);
                case TRAILERS -> readTrailerLine(in, out);
                case BAD -> {
                    in.skipBytes(in.readableBytes());
                    yield false;
                }
            };
        }
    }

    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        super.decodeLast(ctx, in, out);
        // A body cut short by the client must not reach the server as if it were complete.
        switch (state) {
            case FIXED_BODY, CHUNK_SIZE, CHUNK_DATA, CHUNK_DATA_END, TRAILERS ->
                failBody(in, out, 400, "connection closed inside body");
            default -> { }
        }
    }

    // ---------------------------------------------------------------- head

    /** @return true to keep decoding, false when more input is needed or the connection went BAD */
    private boolean readRequestLine(ByteBuf in, List<Object> out) {
        int start = in.readerIndex();
        int lf = nextLine(in, out, maxRequestLine + 2, 414, "request line too long");
        if (lf < 0) {
            return false;
        }
        int end = lineEnd(in, start, lf);
        if (end == start) {
            if (++emptyLines > MAX_EMPTY_LINES) {
                return reject(in, out, 400, "too many empty lines before request");
            }
            in.readerIndex(lf + 1);
            return true;
        }
        if (end - start > maxRequestLine) {
            return reject(in, out, 414, "request line too long");
        }

        int len = end - start;
        byte[] line = copyLine(in, start, len);
        int sp1 = 0;
        while (sp1 < len && TCHAR[line[sp1] & 0xFF]) {
            sp1++;
        }
        if (sp1 == 0 || sp1 == len || line[sp1] != SP) {
            return reject(in, out, 400, "invalid method");
        }
        int targetStart = sp1 + 1;
        int sp2 = targetStart;
        while (sp2 < len && line[sp2] >= 0x21 && line[sp2] <= 0x7E) {
            sp2++;
        }
        if (sp2 == targetStart || sp2 == len || line[sp2] != SP) {
            return reject(in, out, 400, "invalid request target");
        }
        int versionStatus = parseVersion(line, sp2 + 1, len);
        if (versionStatus != 0) {
            return reject(in, out, versionStatus, versionStatus == 505 ? "unsupported HTTP version" : "invalid HTTP version");
        }
        HttpMethod m = method(line, sp1);
        String target = latin1(line, targetStart, sp2 - targetStart);
        int targetStatus = checkTarget(m, target);
        if (targetStatus != 0) {
            return reject(in, out, targetStatus, targetStatus == 405 ? "CONNECT/authority-form not allowed" : "invalid request target");
        }
        in.readerIndex(lf + 1);
        method = m;
        uri = target;
        fields = HEADERS.newHeaders();
        fieldBytes = 0;
        fieldCount = 0;
        state = State.HEADERS;
        return true;
    }

    /** Returns 0 and sets {@link #version} when supported, else the status to reject with. */
    private int parseVersion(byte[] line, int from, int end) {
        if (end - from != 8 || line[from] != 'H' || line[from + 1] != 'T' || line[from + 2] != 'T'
            || line[from + 3] != 'P' || line[from + 4] != '/' || line[from + 6] != '.') {
            return 400;
        }
        byte major = line[from + 5];
        byte minor = line[from + 7];
        if (!isDigit(major) || !isDigit(minor)) {
            return 400;
        }
        if (major == '1' && minor == '1') {
            version = HttpVersion.HTTP_1_1;
            return 0;
        }
        if (major == '1' && minor == '0') {
            version = HttpVersion.HTTP_1_0;
            return 0;
        }
        return 505;
    }

    private static HttpMethod method(byte[] line, int len) {
        for (HttpMethod known : KNOWN_METHODS) {
            if (KnownNames.equalsAt(line, 0, len, known.asciiName())) {
                return known;
            }
        }
        return HttpMethod.valueOf(latin1(line, 0, len));
    }

    /** Returns 0 when the target form fits the method, else 400 or 405. */
    private static int checkTarget(HttpMethod m, String target) {
        if (m == HttpMethod.CONNECT) {
            // A load balancer is not a tunnel: CONNECT would turn it into an open proxy.
            return 405;
        }
        char first = target.charAt(0);
        if (first == '/') {
            return 0;
        }
        if (first == '*' && target.length() == 1) {
            return m == HttpMethod.OPTIONS ? 0 : 400;
        }
        int authorityStart = schemeLength(target);
        if (authorityStart > 0) {
            int authorityEnd = authorityStart;
            while (authorityEnd < target.length()) {
                char c = target.charAt(authorityEnd);
                if (c == '/' || c == '?' || c == '#') {
                    break;
                }
                authorityEnd++;
            }
            return Authority.isValid(target, authorityStart, authorityEnd) ? 0 : 400;
        }
        // authority-form is host ":" port (RFC 9112 §3.2.3); only CONNECT uses it, and CONNECT is refused above.
        boolean hasPort = target.lastIndexOf(':') > target.lastIndexOf(']');
        return hasPort && Authority.isValid(target, 0, target.length()) ? 405 : 400;
    }

    /** True for origin-form targets, and for absolute-form ones whose authority equals Host (ignoring case). */
    private boolean hostMatchesAbsoluteTarget() {
        int authorityStart = schemeLength(uri);
        if (authorityStart == 0) {
            return true;
        }
        int authorityEnd = authorityStart;
        while (authorityEnd < uri.length() && "/?#".indexOf(uri.charAt(authorityEnd)) < 0) {
            authorityEnd++;
        }
        return authorityEnd - authorityStart == host.length()
                && uri.regionMatches(true, authorityStart, host, 0, host.length());
    }

    /** Length of a case-insensitive "http://" or "https://" prefix, or 0. */
    private static int schemeLength(String target) {
        if (target.regionMatches(true, 0, "http://", 0, 7)) {
            return 7;
        }
        if (target.regionMatches(true, 0, "https://", 0, 8)) {
            return 8;
        }
        return 0;
    }

    private boolean readHeaderLine(ByteBuf in, List<Object> out) {
        int start = in.readerIndex();
        int lf = nextLine(in, out, maxHeaderBytes - fieldBytes, 431, "header section too large");
        if (lf < 0) {
            return false;
        }
        fieldBytes += lf + 1 - start;
        int end = lineEnd(in, start, lf);
        if (end == start) {
            in.readerIndex(lf + 1);
            return finishHead(in, out);
        }
        if (++fieldCount > maxHeaderCount) {
            return reject(in, out, 431, "too many header fields");
        }
        String reason = parseField(copyLine(in, start, end - start), end - start, true);
        if (reason != null) {
            return reject(in, out, 400, reason);
        }
        in.readerIndex(lf + 1);
        return true;
    }

    /**
     * Validates one field line and adds it to {@link #fields}.
     *
     * @param head true for the header section (framing fields are recorded), false for trailers
     * @return null when valid, else the reason to reject
     */
    private String parseField(byte[] line, int end, boolean head) {
        byte first = line[0];
        if (first == SP || first == HTAB) {
            // obs-fold: a proxy that unfolds differently from the server is a smuggling vector (RFC 9112 §5.2).
            return "obsolete line folding";
        }
        int colon = 0;
        while (colon < end && TCHAR[line[colon] & 0xFF]) {
            colon++;
        }
        if (colon == 0 || colon == end || line[colon] != ':') {
            return colon > 0 && colon < end && isOws(line[colon]) ? "whitespace before colon" : "invalid header name";
        }
        for (int i = colon + 1; i < end; i++) {
            if (!FIELD_CHAR[line[i] & 0xFF]) {
                return "invalid character in header value";
            }
        }
        int valueStart = colon + 1;
        while (valueStart < end && isOws(line[valueStart])) {
            valueStart++;
        }
        int valueEnd = end;
        while (valueEnd > valueStart && isOws(line[valueEnd - 1])) {
            valueEnd--;
        }
        String name = name(line, colon);
        // Latin-1 maps every byte to one char, so obs-text survives unchanged to the encoder.
        String value = valueEnd == valueStart ? "" : latin1(line, valueStart, valueEnd - valueStart);
        if (head) {
            recordField(name, value);
        } else if (isFramingField(name)) {
            return "framing field in trailer";
        }
        fields.add(name, value);
        return null;
    }

    /** Notes what the cross-field rules of {@link #finishHead} read: framing, Host and the WebSocket handshake. */
    private void recordField(String name, String value) {
        switch (name.length()) {
            case 7 -> {
                if ("Upgrade".equalsIgnoreCase(name)) {
                    upgradeWebsocket |= TokenList.contains(value, "websocket");
                }
            }
            case 10 -> {
                if ("Connection".equalsIgnoreCase(name)) {
                    connectionUpgrade |= TokenList.contains(value, "upgrade");
                }
            }
            case 4 -> {
                if ("Host".equalsIgnoreCase(name)) {
                    hostCount++;
                    host = value;
                }
            }
            case 14 -> {
                if ("Content-Length".equalsIgnoreCase(name)) {
                    contentLengthCount++;
                    contentLength = value;
                }
            }
            case 17 -> {
                if ("Transfer-Encoding".equalsIgnoreCase(name)) {
                    // Repeated fields are one comma-separated list (RFC 9110 §5.3).
                    transferEncoding = transferEncoding == null ? value : transferEncoding + "," + value;
                } else if ("Sec-WebSocket-Key".equalsIgnoreCase(name)) {
                    // The base64 of a 16-byte nonce is 24 characters; HAProxy checks the length, not the alphabet.
                    websocketKey |= value.length() == 24;
                }
            }
            default -> { }
        }
    }

    /** Fields that frame or route the message; a trailer carrying one could be merged into the head downstream. */
    private static boolean isFramingField(String name) {
        return "Host".equalsIgnoreCase(name)
            || "Content-Length".equalsIgnoreCase(name)
            || "Transfer-Encoding".equalsIgnoreCase(name);
    }

    /** Applies the cross-field rules, then emits the request and chooses how to read its body. */
    private boolean finishHead(ByteBuf in, List<Object> out) {
        boolean http11 = version == HttpVersion.HTTP_1_1;
        if (http11 ? hostCount != 1 : hostCount > 1) {
            return reject(in, out, 400, hostCount == 0 ? "missing Host" : "duplicate Host");
        }
        if (hostCount == 1 && !Authority.isValid(host, 0, host.length())) {
            return reject(in, out, 400, "invalid Host");
        }
        if (hostCount == 1 && !hostMatchesAbsoluteTarget()) {
            // Routing reads Host while a server may read the target: they must not name two sites (HAProxy: 400).
            return reject(in, out, 400, "Host differs from the absolute-form target's authority");
        }
        boolean chunked = false;
        long length = 0;
        if (transferEncoding != null) {
            if (!http11) {
                return reject(in, out, 400, "Transfer-Encoding in HTTP/1.0");
            }
            if (contentLengthCount != 0) {
                // RFC 9112 §6.1 allows a server to ignore Content-Length here; a proxy must not guess which wins.
                return reject(in, out, 400, "both Transfer-Encoding and Content-Length");
            }
            if (!isChunkedLast(transferEncoding)) {
                return reject(in, out, 400, "invalid Transfer-Encoding");
            }
            chunked = true;
        } else if (contentLengthCount > 1) {
            return reject(in, out, 400, "duplicate Content-Length");
        } else if (contentLengthCount == 1) {
            length = parseContentLength(contentLength);
            if (length < 0) {
                return reject(in, out, 400, "invalid Content-Length");
            }
        }
        if (connectionUpgrade && upgradeWebsocket && !chunked && length == 0 && !websocketKey) {
            // RFC 6455 §4.2.1: a handshake without its key must not be answered. A request with a body cannot
            // switch protocols at all: its Upgrade is dropped later instead, as HAProxy does.
            return reject(in, out, 400, "WebSocket handshake without a valid Sec-WebSocket-Key");
        }

        DefaultHttpRequest request = new DefaultHttpRequest(version, method, uri, fields, false);
        clearHead();
        out.add(request);
        if (chunked) {
            state = State.CHUNK_SIZE;
        } else if (length > 0) {
            remaining = length;
            state = State.FIXED_BODY;
        } else {
            out.add(LastHttpContent.EMPTY_LAST_CONTENT);
            state = State.REQUEST_LINE;
        }
        return true;
    }

    /** Digits only, at most {@link #MAX_CONTENT_LENGTH}; returns -1 when invalid. */
    static long parseContentLength(String value) {
        int len = value.length();
        if (len == 0 || len > 16) {
            return -1;
        }
        long n = 0;
        for (int i = 0; i < len; i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            n = n * 10 + (c - '0');
        }
        return n > MAX_CONTENT_LENGTH ? -1 : n;
    }

    /**
     * True when the joined Transfer-Encoding list is well formed, names "chunked" exactly once, and last.
     * Anything else leaves the body length to the server's interpretation, which is how TE.TE smuggling works.
     */
    static boolean isChunkedLast(String list) {
        int chunkedCount = 0;
        boolean lastIsChunked = false;
        int n = list.length();
        int from = 0;
        for (;;) {
            int comma = list.indexOf(',', from);
            int to = comma < 0 ? n : comma;
            int s = from;
            while (s < to && isOws(list.charAt(s))) {
                s++;
            }
            int e = to;
            while (e > s && isOws(list.charAt(e - 1))) {
                e--;
            }
            if (s == e) {
                return false;
            }
            int nameEnd = s;
            while (nameEnd < e && list.charAt(nameEnd) < 256 && TCHAR[list.charAt(nameEnd)]) {
                nameEnd++;
            }
            if (nameEnd == s) {
                return false;
            }
            boolean isChunked = nameEnd - s == 7 && list.regionMatches(true, s, "chunked", 0, 7);
            if (nameEnd < e) {
                if (isChunked) {
                    // chunked takes no parameters; "chunked;x" may or may not be chunked to the next hop.
                    return false;
                }
                int p = nameEnd;
                while (p < e && isOws(list.charAt(p))) {
                    p++;
                }
                if (p == e || list.charAt(p) != ';') {
                    return false;
                }
            }
            if (isChunked) {
                chunkedCount++;
            }
            lastIsChunked = isChunked;
            if (comma < 0) {
                break;
            }
            from = comma + 1;
        }
        return chunkedCount == 1 && lastIsChunked;
    }

    private void clearHead() {
        emptyLines = 0;
        method = null;
        uri = null;
        version = null;
        fields = null;
        hostCount = 0;
        host = null;
        contentLengthCount = 0;
        contentLength = null;
        transferEncoding = null;
        connectionUpgrade = false;
        upgradeWebsocket = false;
        websocketKey = false;
    }

    // ---------------------------------------------------------------- body

    /**
     * Passes on what is readable of the {@code remaining} bytes of a fixed-length body or a chunk, then moves to
     * {@code after} once they are all through: the next request (the body is complete) or the chunk's CRLF.
     */
    private boolean readBodyBytes(ByteBuf in, List<Object> out, State after) {
        int n = (int) Math.min(remaining, in.readableBytes());
        if (n == 0) {
            return false;
        }
        out.add(new DefaultHttpContent(in.readRetainedSlice(n)));
        remaining -= n;
        if (remaining == 0) {
            if (after == State.REQUEST_LINE) {
                out.add(LastHttpContent.EMPTY_LAST_CONTENT);
            }
            state = after;
        }
        return true;
    }

    private boolean readChunkSize(ByteBuf in, List<Object> out) {
        int start = in.readerIndex();
        int lf = nextLine(in, out, MAX_CHUNK_LINE + 2, 400, "chunk size line too long");
        if (lf < 0) {
            return false;
        }
        if (lf == start || in.getByte(lf - 1) != CR) {
            // Chunk framing is where LF-vs-CRLF disagreements between hops turn into smuggling: CRLF only.
            return failBody(in, out, 400, "chunk size line not ended by CRLF");
        }
        long size = parseChunkSize(in, start, lf - 1);
        if (size < 0) {
            return failBody(in, out, 400, "invalid chunk size");
        }
        in.readerIndex(lf + 1);
        if (size == 0) {
            fields = null;
            fieldBytes = 0;
            fieldCount = 0;
            state = State.TRAILERS;
        } else {
            remaining = size;
            state = State.CHUNK_DATA;
        }
        return true;
    }

    /** 1-16 hex digits, then nothing or [BWS] ";" extensions; returns -1 when invalid. */
    private static long parseChunkSize(ByteBuf in, int start, int end) {
        long size = 0;
        int i = start;
        while (i < end) {
            int digit = hexValue(in.getByte(i));
            if (digit < 0) {
                break;
            }
            if (i - start == 16 || (size >>> 59) != 0) {
                // 16 digits would still fit, but not as a positive long once the top bit is set.
                return -1;
            }
            size = (size << 4) | digit;
            i++;
        }
        if (i == start) {
            return -1;
        }
        if (i == end) {
            return size;
        }
        int semicolon = i;
        while (semicolon < end && isOws(in.getByte(semicolon))) {
            semicolon++;
        }
        if (semicolon == end || in.getByte(semicolon) != ';') {
            return -1;
        }
        int bad = in.forEachByte(semicolon + 1, end - semicolon - 1, WHILE_EXT_CHAR);
        return bad >= 0 ? -1 : size;
    }

    private boolean readChunkDataEnd(ByteBuf in, List<Object> out) {
        int readable = in.readableBytes();
        if (readable == 0) {
            return false;
        }
        int start = in.readerIndex();
        if (in.getByte(start) != CR || (readable >= 2 && in.getByte(start + 1) != LF)) {
            return failBody(in, out, 400, "chunk data not followed by CRLF");
        }
        if (readable < 2) {
            return false;
        }
        in.skipBytes(2);
        state = State.CHUNK_SIZE;
        return true;
    }

    private boolean readTrailerLine(ByteBuf in, List<Object> out) {
        int start = in.readerIndex();
        int lf = nextLine(in, out, maxHeaderBytes - fieldBytes, 431, "trailer section too large");
        if (lf < 0) {
            return false;
        }
        if (lf == start || in.getByte(lf - 1) != CR) {
            return failBody(in, out, 400, "trailer line not ended by CRLF");
        }
        fieldBytes += lf + 1 - start;
        int end = lf - 1;
        if (end == start) {
            in.readerIndex(lf + 1);
            out.add(fields == null ? LastHttpContent.EMPTY_LAST_CONTENT
                : new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER, fields));
            fields = null;
            state = State.REQUEST_LINE;
            return true;
        }
        if (++fieldCount > maxHeaderCount) {
            return failBody(in, out, 431, "too many trailer fields");
        }
        if (fields == null) {
            fields = TRAILERS.newHeaders();
        }
        String reason = parseField(copyLine(in, start, end - start), end - start, false);
        if (reason != null) {
            return failBody(in, out, 400, reason);
        }
        in.readerIndex(lf + 1);
        return true;
    }

    // ---------------------------------------------------------------- failures

    /** Emits a placeholder request carrying the rejection, and stops reading the connection. */
    private boolean reject(ByteBuf in, List<Object> out, int status, String reason) {
        DefaultHttpRequest request = new DefaultHttpRequest(
            HttpVersion.HTTP_1_1, HttpMethod.GET, "/", HEADERS.newHeaders(), false);
        request.setDecoderResult(DecoderResult.failure(new HttpRejection(status, reason)));
        clearHead();
        out.add(request);
        goBad(in);
        return false;
    }

    /** The request head is already out: end its content with a failure so the proxy aborts the exchange. */
    private boolean failBody(ByteBuf in, List<Object> out, int status, String reason) {
        DefaultLastHttpContent last = new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER, TRAILERS.newHeaders());
        last.setDecoderResult(DecoderResult.failure(new HttpRejection(status, reason)));
        fields = null;
        out.add(last);
        goBad(in);
        return false;
    }

    private void goBad(ByteBuf in) {
        state = State.BAD;
        in.skipBytes(in.readableBytes());
    }

    // ---------------------------------------------------------------- bytes

    /**
     * The index of the LF ending the next line, searched only within the {@code budget} bytes the line may still
     * use; -1 when the caller must stop: more bytes are needed, or the budget is spent and the line was answered
     * {@code status} with {@code tooLong} (the connection is then BAD).
     */
    private int nextLine(ByteBuf in, List<Object> out, int budget, int status, String tooLong) {
        int readable = in.readableBytes();
        int lf = findLineFeed(in, Math.min(readable, budget));
        if (lf < 0 && readable >= budget) {
            if (state == State.REQUEST_LINE || state == State.HEADERS) {
                reject(in, out, status, tooLong);
            } else {
                // The request head is out already: its body fails instead.
                failBody(in, out, status, tooLong);
            }
        }
        return lf;
    }

    /** Index of the next LF within {@code window} bytes of the reader index, or -1; resumes where it stopped. */
    private int findLineFeed(ByteBuf in, int window) {
        if (window <= 0) {
            return -1;
        }
        int start = in.readerIndex();
        int lf = in.indexOf(start + Math.min(scanned, window), start + window, LF);
        scanned = lf < 0 ? window : 0;
        return lf;
    }

    /** Index of the line's CR if it ends in CRLF, else of its bare LF. */
    private static int lineEnd(ByteBuf in, int start, int lf) {
        return lf > start && in.getByte(lf - 1) == CR ? lf - 1 : lf;
    }

    private static String name(byte[] line, int len) {
        AsciiString known = KnownNames.lookup(line, 0, len);
        return known != null ? known.toString() : latin1(line, 0, len);
    }

    /**
     * Copies a head line into a per-thread scratch array: one bulk copy, then plain array loops the JIT can
     * unroll, instead of bounds-checked {@code getByte} or megamorphic {@code forEachByte} calls per byte.
     * Decoders run on their event loop, and the copy is used only within one call, so sharing it is safe.
     */
    private static byte[] copyLine(ByteBuf in, int start, int len) {
        byte[] scratch = SCRATCH.get();
        if (scratch.length < len) {
            scratch = new byte[Math.max(len, scratch.length * 2)];
            SCRATCH.set(scratch);
        }
        in.getBytes(start, scratch, 0, len);
        return scratch;
    }

    private static String latin1(byte[] bytes, int from, int len) {
        return new String(bytes, from, len, StandardCharsets.ISO_8859_1);
    }

    private static boolean isOws(int c) {
        return c == SP || c == HTAB;
    }

    private static boolean isDigit(byte b) {
        return b >= '0' && b <= '9';
    }

    private static int hexValue(byte b) {
        if (b >= '0' && b <= '9') {
            return b - '0';
        }
        if (b >= 'a' && b <= 'f') {
            return b - 'a' + 10;
        }
        if (b >= 'A' && b <= 'F') {
            return b - 'A' + 10;
        }
        return -1;
    }

    /** Marks digits, letters and {@code extra} as allowed in a byte-class table. */
    private static void allow(boolean[] table, String extra) {
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

    /** RFC 3986 authority as allowed in Host and absolute-form: host [":" port], no userinfo. */
    static final class Authority {
        private static final boolean[] REG_NAME = new boolean[128];

        static {
            // unreserved and sub-delims; '%' is checked as pct-encoded separately.
            allow(REG_NAME, "-._~!$&'()*+,;=");
        }

        private Authority() {
        }

        static boolean isValid(String s, int from, int to) {
            if (from >= to) {
                return false;
            }
            int i = from;
            if (s.charAt(i) == '[') {
                int close = s.indexOf(']', i);
                if (close < 0 || close >= to || close == i + 1) {
                    return false;
                }
                for (int k = i + 1; k < close; k++) {
                    char c = s.charAt(k);
                    if (!(c == ':' || c == '.' || isHex(c))) {
                        return false;
                    }
                }
                i = close + 1;
            } else {
                int hostStart = i;
                while (i < to) {
                    char c = s.charAt(i);
                    if (c == '%') {
                        if (i + 2 >= to || !isHex(s.charAt(i + 1)) || !isHex(s.charAt(i + 2))) {
                            return false;
                        }
                        i += 3;
                    } else if (c < 128 && REG_NAME[c]) {
                        i++;
                    } else {
                        break;
                    }
                }
                if (i == hostStart) {
                    return false;
                }
            }
            if (i == to) {
                return true;
            }
            if (s.charAt(i) != ':') {
                return false;
            }
            int digits = to - i - 1;
            if (digits < 1 || digits > 5) {
                return false;
            }
            int port = 0;
            for (int k = i + 1; k < to; k++) {
                char c = s.charAt(k);
                if (c < '0' || c > '9') {
                    return false;
                }
                port = port * 10 + (c - '0');
            }
            return port <= 65535;
        }

        private static boolean isHex(char c) {
            return c < 128 && hexValue((byte) c) >= 0;
        }
    }
}
