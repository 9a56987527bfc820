package io.tandem.l7.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.tandem.l7.http.TokenList;

/** Removes the headers that describe one connection and must not cross the proxy (RFC 9110 §7.6.1). */
final class HopByHop {
    /** Arrays, not Lists: these are looped over for every message, and an array's loop makes no iterator. */
    private static final CharSequence[] ALWAYS = {HttpHeaderNames.KEEP_ALIVE,
        "Proxy-Connection", HttpHeaderNames.TE, HttpHeaderNames.UPGRADE, HttpHeaderNames.PROXY_AUTHENTICATE};

    /** Framing and routing headers a client may not make us drop by naming them in Connection. */
    private static final String[] PROTECTED = {"close", "keep-alive", "transfer-encoding", "content-length", "host"};

    private HopByHop() {
    }

    /**
     * The protocol a request asks to upgrade to ({@code Connection: upgrade} with {@code Upgrade: X} on an
     * HTTP/1.1 GET, as WebSocket handshakes are), or null.
     */
    static String requestedUpgrade(io.netty.handler.codec.http.HttpRequest request) {
        HttpHeaders headers = request.headers();
        String protocol = headers.get(HttpHeaderNames.UPGRADE);
        if (protocol == null || protocol.isBlank()
                || !io.netty.handler.codec.http.HttpMethod.GET.equals(request.method())
                || !io.netty.handler.codec.http.HttpVersion.HTTP_1_1.equals(request.protocolVersion())) {
            return null;
        }
        return connectionHas(headers, "upgrade") ? protocol.trim() : null;
    }

    /** True when a {@code Connection} header lists {@code token} (case-insensitive). */
    static boolean connectionHas(HttpHeaders headers, String token) {
        for (String value : headers.getAll(HttpHeaderNames.CONNECTION)) {
            if (TokenList.contains(value, token)) {
                return true;
            }
        }
        return false;
    }

    /** Strips {@code Connection}, every header it names, and the fixed hop-by-hop set. Transfer-Encoding stays:
     *  the encoder re-frames the body by it. */
    static void strip(HttpHeaders headers) {
        if (headers.contains(HttpHeaderNames.CONNECTION)) {
            for (String value : headers.getAll(HttpHeaderNames.CONNECTION)) {
                removeNamed(headers, value);
            }
            headers.remove(HttpHeaderNames.CONNECTION);
        }
        for (CharSequence name : ALWAYS) {
            headers.remove(name);
        }
    }

    /** Removes the headers a Connection value lists, but never the protected ones; "keep-alive" costs nothing. */
    private static void removeNamed(HttpHeaders headers, String list) {
        TokenList.anyMatch(list, (l, start, end) -> {
            if (end > start && !isProtected(l, start, end)) {
                headers.remove(l.substring(start, end));
            }
            return false;
        });
    }

    private static boolean isProtected(String list, int start, int end) {
        for (String name : PROTECTED) {
            if (name.length() == end - start && list.regionMatches(true, start, name, 0, name.length())) {
                return true;
            }
        }
        return false;
    }
}
