package io.tandem.l7.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import io.netty.util.ByteProcessor;
import io.netty.util.concurrent.FastThreadLocal;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static io.tandem.l7.http.Http1Syntax.CR;
import static io.tandem.l7.http.Http1Syntax.HTAB;
import static io.tandem.l7.http.Http1Syntax.LF;
import static io.tandem.l7.http.Http1Syntax.SP;
import static io.tandem.l7.http.Http1Syntax.isOws;

/**
 * What the strict HTTP/1.x decoders (requests from clients, responses from servers) share once a start line is
 * read: header and trailer fields checked byte by byte into {@link FlatHeaders}, the framing rules (RFC 9112 §6),
 * and the body — fixed length, chunked with trailers, or up to the connection's end — passed on as retained slices
 * of the input, then exactly one {@link LastHttpContent}. A violation ends the message with a failed
 * {@link HttpRejection} and discards all further input: after a framing error nothing on the connection can be
 * trusted to start a new message.
 */
abstract class Http1Decoder extends ByteToMessageDecoder {
    /** RFC 9112 §2.2 lets a recipient skip "at least one" empty line before a message; a few tolerate sloppy peers. */
    private static final int MAX_EMPTY_LINES = 8;
    /** Chunk-size line with extensions; longer lines are abuse, not a real peer. */
    private static final int MAX_CHUNK_LINE = 4096;
    /** RFC 9110 numbers fit in 2^53; 10^15 is a clear, decimal bound below it. */
    private static final long MAX_CONTENT_LENGTH = 1_000_000_000_000_000L;
    /** Fields a connection's first head has room for; later heads get what the previous one had. */
    private static final int FIRST_HEAD_FIELDS = 8;
    /**
     * Room left past the previous head's field count: what the proxy may add on the way (X-Forwarded-For and
     * -Proto, Set-Cookie, Transfer-Encoding) without the array growing.
     */
    private static final int ADDED_FIELDS = 2;
    /** {@link #startBody}'s length of a body that ends with the connection. */
    static final long UNTIL_CLOSE = -1;

    private static final ByteProcessor WHILE_EXT_CHAR = b -> Http1Syntax.isExtensionChar(b & 0xFF);

    private static final FastThreadLocal<byte[]> SCRATCH = new FastThreadLocal<>() {
        @Override
        protected byte[] initialValue() {
            return new byte[512];
        }
    };

    enum State {
        START_LINE, HEADERS, FIXED_BODY, CHUNK_SIZE, CHUNK_DATA, CHUNK_DATA_END, TRAILERS, UNTIL_CLOSE,
        /** After a protocol switch: what follows is not HTTP/1 and goes on as it came. */
        RAW, BAD
    }

    private final int maxHeaderBytes;
    private final int maxHeaderCount;
    /** Whether a repeated Content-Length with the same value is one (RFC 9110 §8.6 lets a recipient merge it). */
    private final boolean mergeEqualLengths;
    /**
     * Per field position, the value the previous head had there, reused when the bytes are the same: a server
     * repeats most of its fields (Server, Content-Type, Connection...) response after response, so those cost no
     * String. On a client connection only Host's is kept, in slot 0 (see {@link #recentSlot}).
     */
    private String[] recentValues;
    /** Whether every field's value is kept for the next head ({@link #recentValues}), not only Host's. */
    private final boolean reuseEveryValue;

    State state = State.START_LINE;

    // Per-message state: set while reading a head or trailer section, cleared when it is emitted.
    private int emptyLines;
    FlatHeaders fields;
    private int fieldBytes;
    private int fieldCount;
    /** Fields of the previous head on this connection: the next one is sized to it, so its array does not grow. */
    private int previousFieldCount = FIRST_HEAD_FIELDS - ADDED_FIELDS;
    private int contentLengthCount;
    private String contentLength;
    private String transferEncoding;
    /** What {@link #checkFraming} found: a chunked body, else the Content-Length ({@link #UNTIL_CLOSE} when none). */
    boolean chunked;
    long length;

    // Body progress.
    private long remaining;

    /** Bytes after the reader index already searched for LF, so a line trickling in byte by byte costs O(n). */
    private int scanned;

    /**
     * @param mergeEqualLengths whether a repeated Content-Length with the same value is one
     * @param reuseEveryValue   whether every field value equal to the previous head's at the same position is that
     *                          String again, or only Host's (see {@link #recentSlot})
     */
    Http1Decoder(int maxHeaderBytes, int maxHeaderCount, boolean mergeEqualLengths, boolean reuseEveryValue) {
        this.maxHeaderBytes = maxHeaderBytes;
        this.maxHeaderCount = maxHeaderCount;
        this.mergeEqualLengths = mergeEqualLengths;
        this.reuseEveryValue = reuseEveryValue;
        this.recentValues = new String[reuseEveryValue ? FIRST_HEAD_FIELDS : 1];
    }

    @Override
    protected final void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        boolean progressed = true;
        while (progressed) {
            progressed = switch (state) {
                case START_LINE -> readStartLine(in, out);
                case HEADERS -> readHeaderLine(in, out);
                case FIXED_BODY -> readBodyBytes(in, out, State.START_LINE);
                case CHUNK_SIZE -> readChunkSize(in, out);
                case CHUNK_DATA -> readBodyBytes(in, out, State.CHUNK_DATA_END);
                case CHUNK_DATA_END -> readChunkDataEnd(in, out);
                case TRAILERS -> readTrailerLine(in, out);
                case UNTIL_CLOSE -> readUntilClose(in, out);
                case RAW -> {
                    if (in.isReadable()) {
                        out.add(in.readRetainedSlice(in.readableBytes()));
                    }
                    yield false;
                }
                case BAD -> {
                    in.skipBytes(in.readableBytes());
                    yield false;
                }
            };
        }
    }

    @Override
    protected final void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        super.decodeLast(ctx, in, out);
        switch (state) {
            case UNTIL_CLOSE -> {
                out.add(LastHttpContent.EMPTY_LAST_CONTENT);
                state = State.START_LINE;
            }
            // A body cut short must not be passed on as if it were complete.
            case FIXED_BODY, CHUNK_SIZE, CHUNK_DATA, CHUNK_DATA_END, TRAILERS ->
                failBody(in, out, 400, "connection closed inside body");
            case HEADERS -> closedInsideHead(in, out);
            case START_LINE -> {
                if (in.isReadable()) {
                    closedInsideHead(in, out);
                }
            }
            default -> { }
        }
    }

    // ---------------------------------------------------------------- what differs: the start line and the head

    /**
     * Reads the start line (skipping a few empty lines before it, see {@link #skipEmptyLine}); on success calls
     * {@link #beginHeaders}. @return true to keep decoding, false when more input is needed or the input went BAD
     */
    abstract boolean readStartLine(ByteBuf in, List<Object> out);

    /** A header field of the head, once validated, for the cross-field rules of {@link #finishHead}. */
    abstract void recordField(String name, String value);

    /** The empty line after the headers: applies the cross-field rules, emits the head, then {@link #startBody}. */
    abstract boolean finishHead(ByteBuf in, List<Object> out);

    /** A head that carries {@code rejection}, in place of the message that could not be read. */
    abstract Object rejectedHead(HttpRejection rejection);

    /** What the proxy answers for a message refused with {@code status} (the status a request would get). */
    abstract HttpRejection rejection(int status, String reason);

    /** The connection closed with part of a head read. */
    abstract void closedInsideHead(ByteBuf in, List<Object> out);

    /** Clears what the head being read has noted; subclasses clear their own notes too. */
    void clearHead() {
        emptyLines = 0;
        fields = null;
        contentLengthCount = 0;
        contentLength = null;
        transferEncoding = null;
    }

    // ---------------------------------------------------------------- head

    /** An empty line before the start line, skipped; @return false when there were too many and the input went BAD */
    final boolean skipEmptyLine(ByteBuf in, List<Object> out, int lf) {
        if (++emptyLines > MAX_EMPTY_LINES) {
            return reject(in, out, 400, "too many empty lines before the start line");
        }
        in.readerIndex(lf + 1);
        return true;
    }

    /** The start line ending at {@code lf} was accepted: the header fields come next. */
    final void beginHeaders(ByteBuf in, int lf) {
        in.readerIndex(lf + 1);
        fields = new FlatHeaders(previousFieldCount + ADDED_FIELDS);
        fieldBytes = 0;
        fieldCount = 0;
        state = State.HEADERS;
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
            previousFieldCount = fieldCount;
            return finishHead(in, out);
        }
        if (++fieldCount > maxHeaderCount) {
            return reject(in, out, 431, "too many header fields");
        }
        String reason = parseField(copyLine(in, start, end - start), end - start, fieldCount - 1);
        if (reason != null) {
            return reject(in, out, 400, reason);
        }
        in.readerIndex(lf + 1);
        return true;
    }

    /**
     * Validates one field line and adds it to {@link #fields}.
     *
     * @param position the field's index in the header section (framing fields are recorded), -1 for a trailer
     * @return null when valid, else the reason to reject
     */
    private String parseField(byte[] line, int end, int position) {
        byte first = line[0];
        if (first == SP || first == HTAB) {
            // obs-fold: a proxy that unfolds differently from the next hop is a smuggling vector (RFC 9112 §5.2).
            return "obsolete line folding";
        }
        int colon = 0;
        while (colon < end && Http1Syntax.isTokenChar(line[colon] & 0xFF)) {
            colon++;
        }
        if (colon == 0 || colon == end || line[colon] != ':') {
            return colon > 0 && colon < end && isOws(line[colon]) ? "whitespace before colon" : "invalid header name";
        }
        for (int i = colon + 1; i < end; i++) {
            if (!Http1Syntax.isFieldChar(line[i] & 0xFF)) {
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
        int slot = recentSlot(name, position);
        String value = valueEnd == valueStart ? "" : slot >= 0
                ? recentValue(line, valueStart, valueEnd - valueStart, slot)
                : latin1(line, valueStart, valueEnd - valueStart);
        if (position < 0) {
            if (isFramingField(name)) {
                return "framing field in trailer";
            }
        } else if (!recordFraming(name, value)) {
            return null;
        } else {
            recordField(name, value);
        }
        fields.addValidated(name, value);
        return null;
    }

    /**
     * Where the value of field {@code name} at {@code position} (-1: a trailer, never kept) is kept for the next
     * head, or -1. Every field of a response; on a client connection only Host, whose value is the same on every
     * request of a connection (a client opens one per origin), so that an idle connection holds one String, not
     * its last request's every value.
     */
    private int recentSlot(String name, int position) {
        if (position < 0) {
            return -1;
        }
        if (reuseEveryValue) {
            return position;
        }
        return HttpHeaderNames.HOST.contentEqualsIgnoreCase(name) ? 0 : -1;
    }

    /** The String for slot {@code position} of {@link #recentValues}: the previous head's if the bytes are equal. */
    private String recentValue(byte[] line, int from, int len, int position) {
        if (position >= recentValues.length) {
            recentValues = java.util.Arrays.copyOf(recentValues, Math.max(position + 1, 2 * recentValues.length));
        }
        String recent = recentValues[position];
        if (recent != null && recent.length() == len) {
            int i = 0;
            while (i < len && recent.charAt(i) == (line[from + i] & 0xFF)) {
                i++;
            }
            if (i == len) {
                return recent;
            }
        }
        String value = latin1(line, from, len);
        recentValues[position] = value;
        return value;
    }

    /** Notes Content-Length and Transfer-Encoding; false for a repeated equal Content-Length, kept only once. */
    private boolean recordFraming(String name, String value) {
        if (name.length() == 14 && "Content-Length".equalsIgnoreCase(name)) {
            if (mergeEqualLengths && contentLengthCount == 1 && contentLength.equals(value)) {
                return false;
            }
            contentLengthCount++;
            contentLength = value;
        } else if (name.length() == 17 && "Transfer-Encoding".equalsIgnoreCase(name)) {
            // Repeated fields are one comma-separated list (RFC 9110 §5.3).
            transferEncoding = transferEncoding == null ? value : transferEncoding + "," + value;
        }
        return true;
    }

    /** Fields that frame or route the message; a trailer carrying one could be merged into the head downstream. */
    private static boolean isFramingField(String name) {
        return "Host".equalsIgnoreCase(name)
            || "Content-Length".equalsIgnoreCase(name)
            || "Transfer-Encoding".equalsIgnoreCase(name);
    }

    /**
     * The body framing the head declares (RFC 9112 §6): sets {@link #chunked} and {@link #length}, or returns why
     * the framing is ambiguous. Content-Length with Transfer-Encoding is refused, not resolved: RFC 9112 §6.1 lets
     * a recipient ignore the length, but a proxy and the next hop must not be able to disagree on which wins.
     */
    final String checkFraming(boolean http11) {
        chunked = false;
        length = UNTIL_CLOSE;
        if (transferEncoding != null) {
            if (!http11) {
                return "Transfer-Encoding in HTTP/1.0";
            }
            if (contentLengthCount != 0) {
                return "both Transfer-Encoding and Content-Length";
            }
            if (!isChunkedLast(transferEncoding)) {
                return "invalid Transfer-Encoding";
            }
            chunked = true;
        } else if (contentLengthCount > 1) {
            return mergeEqualLengths ? "conflicting Content-Length" : "duplicate Content-Length";
        } else if (contentLengthCount == 1) {
            length = parseContentLength(contentLength);
            if (length < 0) {
                length = UNTIL_CLOSE;
                return "invalid Content-Length";
            }
        }
        return null;
    }

    /** Reads the body the emitted head announced: chunked, {@code bodyLength} bytes, or until the connection closes. */
    final void startBody(List<Object> out, boolean isChunked, long bodyLength) {
        if (isChunked) {
            state = State.CHUNK_SIZE;
        } else if (bodyLength == UNTIL_CLOSE) {
            state = State.UNTIL_CLOSE;
        } else if (bodyLength > 0) {
            remaining = bodyLength;
            state = State.FIXED_BODY;
        } else {
            out.add(LastHttpContent.EMPTY_LAST_CONTENT);
            state = State.START_LINE;
        }
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
     * Anything else leaves the body length to the next hop's interpretation, which is how TE.TE smuggling works.
     */
    static boolean isChunkedLast(String list) {
        // [0]: how many elements are "chunked"; [1]: 1 while the last element seen is.
        int[] chunked = new int[2];
        boolean malformed = TokenList.anyMatch(list, (l, s, e) -> {
            int nameEnd = s;
            while (nameEnd < e && Http1Syntax.isTokenChar(l.charAt(nameEnd))) {
                nameEnd++;
            }
            if (nameEnd == s) {
                return true;
            }
            boolean isChunked = nameEnd - s == 7 && l.regionMatches(true, s, "chunked", 0, 7);
            if (nameEnd < e) {
                // chunked takes no parameters; "chunked;x" may or may not be chunked to the next hop.
                int p = nameEnd;
                while (p < e && isOws(l.charAt(p))) {
                    p++;
                }
                if (isChunked || p == e || l.charAt(p) != ';') {
                    return true;
                }
            }
            chunked[0] += isChunked ? 1 : 0;
            chunked[1] = isChunked ? 1 : 0;
            return false;
        });
        return !malformed && chunked[0] == 1 && chunked[1] == 1;
    }

    // ---------------------------------------------------------------- body

    /**
     * Passes on what is readable of the {@code remaining} bytes of a fixed-length body or a chunk, then moves to
     * {@code after} once they are all through: the next message (the body is complete) or the chunk's CRLF.
     */
    private boolean readBodyBytes(ByteBuf in, List<Object> out, State after) {
        int n = (int) Math.min(remaining, in.readableBytes());
        if (n == 0) {
            return false;
        }
        out.add(new DefaultHttpContent(in.readRetainedSlice(n)));
        remaining -= n;
        if (remaining == 0) {
            if (after == State.START_LINE) {
                out.add(LastHttpContent.EMPTY_LAST_CONTENT);
            }
            state = after;
        }
        return true;
    }

    private static boolean readUntilClose(ByteBuf in, List<Object> out) {
        if (in.isReadable()) {
            out.add(new DefaultHttpContent(in.readRetainedSlice(in.readableBytes())));
        }
        return false;
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
            int digit = Http1Syntax.hexValue(in.getByte(i));
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
            state = State.START_LINE;
            return true;
        }
        if (++fieldCount > maxHeaderCount) {
            return failBody(in, out, 431, "too many trailer fields");
        }
        if (fields == null) {
            fields = new FlatHeaders();
        }
        String reason = parseField(copyLine(in, start, end - start), end - start, -1);
        if (reason != null) {
            return failBody(in, out, 400, reason);
        }
        in.readerIndex(lf + 1);
        return true;
    }

    // ---------------------------------------------------------------- failures

    /** Emits a placeholder head carrying the rejection, and stops reading the connection. */
    final boolean reject(ByteBuf in, List<Object> out, int status, String reason) {
        clearHead();
        out.add(rejectedHead(rejection(status, reason)));
        goBad(in);
        return false;
    }

    /** The head is out already: end its content with a failure so the proxy aborts the exchange. */
    private boolean failBody(ByteBuf in, List<Object> out, int status, String reason) {
        DefaultLastHttpContent last = new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER, new FlatHeaders());
        last.setDecoderResult(DecoderResult.failure(rejection(status, reason)));
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
     * {@code status} with {@code tooLong} (the input is then BAD).
     */
    final int nextLine(ByteBuf in, List<Object> out, int budget, int status, String tooLong) {
        int readable = in.readableBytes();
        int lf = findLineFeed(in, Math.min(readable, budget));
        if (lf < 0 && readable >= budget) {
            if (state == State.START_LINE || state == State.HEADERS) {
                reject(in, out, status, tooLong);
            } else {
                // The head is out already: its body fails instead.
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
    static int lineEnd(ByteBuf in, int start, int lf) {
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
    static byte[] copyLine(ByteBuf in, int start, int len) {
        byte[] scratch = SCRATCH.get();
        if (scratch.length < len) {
            scratch = new byte[Math.max(len, scratch.length * 2)];
            SCRATCH.set(scratch);
        }
        in.getBytes(start, scratch, 0, len);
        return scratch;
    }

    static String latin1(byte[] bytes, int from, int len) {
        return new String(bytes, from, len, StandardCharsets.ISO_8859_1);
    }
}
