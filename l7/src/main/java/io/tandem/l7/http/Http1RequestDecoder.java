package io.tandem.l7.http;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;

import java.util.List;

import static io.tandem.l7.http.Http1Syntax.SP;
import static io.tandem.l7.http.Http1Syntax.isDigit;

/**
 * Strict HTTP/1.x request decoder for the client side of the proxy: rejects every ambiguous framing (RFC 9112).
 *
 * <p>Output per request: one {@link DefaultHttpRequest} (its fields in {@link FlatHeaders}), zero or more {@link DefaultHttpContent} (retained
 * slices of the input, dechunked), then exactly one {@link LastHttpContent}. A violation in the head emits a
 * placeholder {@code GET / HTTP/1.1} request whose decoder result is a failed {@link HttpRejection}; a violation
 * in a chunked body emits a failed {@link DefaultLastHttpContent}. Either way all further input is discarded,
 * because after a framing error nothing on the connection can be trusted to start a new request.
 */
public final class Http1RequestDecoder extends Http1Decoder {

    /** Longest request line accepted by the no-arg constructor. */
    public static final int DEFAULT_MAX_REQUEST_LINE = 8192;
    /** Largest header section (and trailer section) accepted by the no-arg constructor; HAProxy's bufsize. */
    public static final int DEFAULT_MAX_HEADER_BYTES = 16384;
    /** Most header (and trailer) fields accepted by the no-arg constructor. */
    public static final int DEFAULT_MAX_HEADER_COUNT = 100;

    /** Methods recognised without allocating a String; anything else is still accepted if it is a token. */
    private static final HttpMethod[] KNOWN_METHODS = {
        HttpMethod.GET, HttpMethod.POST, HttpMethod.HEAD, HttpMethod.PUT, HttpMethod.DELETE,
        HttpMethod.OPTIONS, HttpMethod.PATCH, HttpMethod.TRACE, HttpMethod.CONNECT,
    };

    private final int maxRequestLine;

    // The head being read: set by the request line and the fields, cleared when the request is emitted.
    private HttpMethod method;
    private String uri;
    private HttpVersion version;
    private int hostCount;
    private String host;
    private boolean connectionUpgrade;
    private boolean upgradeWebsocket;
    private boolean websocketKey;

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
        super(maxHeaderBytes, maxHeaderCount, false, false);
        if (maxRequestLine < 16 || maxHeaderBytes < 2 || maxHeaderCount < 1) {
            throw new IllegalArgumentException("limits too small: requestLine=" + maxRequestLine
                + " headerBytes=" + maxHeaderBytes + " headerCount=" + maxHeaderCount);
        }
        this.maxRequestLine = maxRequestLine;
    }

    // ---------------------------------------------------------------- head

    /** @return true to keep decoding, false when more input is needed or the connection went BAD */
    @Override
    boolean readStartLine(ByteBuf in, List<Object> out) {
        int start = in.readerIndex();
        int lf = nextLine(in, out, maxRequestLine + 2, 414, "request line too long");
        if (lf < 0) {
            return false;
        }
        int end = lineEnd(in, start, lf);
        if (end == start) {
            return skipEmptyLine(in, out, lf);
        }
        if (end - start > maxRequestLine) {
            return reject(in, out, 414, "request line too long");
        }

        int len = end - start;
        byte[] line = copyLine(in, start, len);
        int sp1 = 0;
        while (sp1 < len && Http1Syntax.isTokenChar(line[sp1] & 0xFF)) {
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
        method = m;
        uri = target;
        beginHeaders(in, lf);
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

    /** Notes what the cross-field rules of {@link #finishHead} read besides framing: Host and the WebSocket handshake. */
    @Override
    void recordField(String name, String value) {
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
            case 17 -> {
                if ("Sec-WebSocket-Key".equalsIgnoreCase(name)) {
                    // The base64 of a 16-byte nonce is 24 characters; HAProxy checks the length, not the alphabet.
                    websocketKey |= value.length() == 24;
                }
            }
            default -> { }
        }
    }

    /** Applies the cross-field rules, then emits the request and chooses how to read its body. */
    @Override
    boolean finishHead(ByteBuf in, List<Object> out) {
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
        String framing = checkFraming(http11);
        if (framing != null) {
            return reject(in, out, 400, framing);
        }
        // A request without a length has no body (RFC 9112 §6.3): only a response can end with the connection.
        long bodyLength = length == UNTIL_CLOSE ? 0 : length;
        if (connectionUpgrade && upgradeWebsocket && !chunked && bodyLength == 0 && !websocketKey) {
            // RFC 6455 §4.2.1: a handshake without its key must not be answered. A request with a body cannot
            // switch protocols at all: its Upgrade is dropped later instead, as HAProxy does.
            return reject(in, out, 400, "WebSocket handshake without a valid Sec-WebSocket-Key");
        }

        DefaultHttpRequest request = new DefaultHttpRequest(version, method, uri, fields, false);
        boolean isChunked = chunked;
        clearHead();
        out.add(request);
        startBody(out, isChunked, bodyLength);
        return true;
    }

    @Override
    void clearHead() {
        super.clearHead();
        method = null;
        uri = null;
        version = null;
        hostCount = 0;
        host = null;
        connectionUpgrade = false;
        upgradeWebsocket = false;
        websocketKey = false;
    }

    // ---------------------------------------------------------------- failures

    /** A placeholder {@code GET / HTTP/1.1} request carrying the rejection. */
    @Override
    Object rejectedHead(HttpRejection rejection) {
        DefaultHttpRequest request = new DefaultHttpRequest(
            HttpVersion.HTTP_1_1, HttpMethod.GET, "/", new FlatHeaders(), false);
        request.setDecoderResult(DecoderResult.failure(rejection));
        return request;
    }

    @Override
    HttpRejection rejection(int status, String reason) {
        return new HttpRejection(status, reason);
    }

    /** The client left while sending a head: there is no one to answer. */
    @Override
    void closedInsideHead(ByteBuf in, List<Object> out) {
    }

    /** RFC 3986 authority as allowed in Host and absolute-form: host [":" port], no userinfo. */
    static final class Authority {
        private static final boolean[] REG_NAME = new boolean[128];

        static {
            // unreserved and sub-delims; '%' is checked as pct-encoded separately.
            Http1Syntax.allow(REG_NAME, "-._~!$&'()*+,;=");
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
            return c < 128 && Http1Syntax.hexValue(c) >= 0;
        }
    }
}
