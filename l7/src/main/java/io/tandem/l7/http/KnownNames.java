package io.tandem.l7.http;

import io.netty.util.AsciiString;

import java.util.Arrays;

/**
 * Header names as clients and servers usually spell them, as shared constants, so that decoding a common name
 * costs a byte compare instead of a String. Names are kept as received: only exact spellings hit the table.
 */
public final class KnownNames {
    private static final AsciiString[][] BY_LENGTH = byLength(
        // Requests.
        "Host", "host", "User-Agent", "user-agent", "Accept", "accept", "Accept-Encoding", "accept-encoding",
        "Accept-Language", "accept-language", "Connection", "connection", "Content-Length", "content-length",
        "Content-Type", "content-type", "Transfer-Encoding", "transfer-encoding", "Cookie", "cookie",
        "Referer", "referer", "Cache-Control", "cache-control", "Authorization", "authorization", "Origin",
        "origin", "Upgrade", "upgrade", "Pragma", "pragma", "Expect", "expect", "TE", "te", "Range", "range",
        "If-None-Match", "if-none-match", "If-Modified-Since", "if-modified-since", "X-Forwarded-For",
        "x-forwarded-for", "X-Forwarded-Proto", "x-forwarded-proto", "X-Requested-With", "x-requested-with",
        "Keep-Alive", "keep-alive", "Sec-Fetch-Mode", "sec-fetch-mode", "Sec-Fetch-Site", "sec-fetch-site",
        "Sec-Fetch-Dest", "sec-fetch-dest", "Upgrade-Insecure-Requests", "upgrade-insecure-requests",
        // Responses.
        "Date", "date", "Server", "server", "Content-Encoding", "content-encoding", "Set-Cookie", "set-cookie",
        "Location", "location", "Last-Modified", "last-modified", "ETag", "etag", "Vary", "vary", "Expires",
        "expires", "Accept-Ranges", "accept-ranges", "Age", "age", "Retry-After", "retry-after",
        "WWW-Authenticate", "www-authenticate", "Access-Control-Allow-Origin", "access-control-allow-origin",
        "Strict-Transport-Security", "strict-transport-security", "X-Content-Type-Options",
        "x-content-type-options", "X-Frame-Options", "x-frame-options");

    private KnownNames() {
    }

    /** The constant spelled as bytes {@code [from, from + len)} of {@code bytes}, or null when there is none. */
    public static AsciiString lookup(byte[] bytes, int from, int len) {
        if (len < BY_LENGTH.length) {
            for (AsciiString known : BY_LENGTH[len]) {
                if (equalsAt(bytes, from, len, known)) {
                    return known;
                }
            }
        }
        return null;
    }

    /** True when bytes {@code [from, from + len)} of {@code bytes} are exactly {@code expected}'s chars. */
    public static boolean equalsAt(byte[] bytes, int from, int len, CharSequence expected) {
        if (expected.length() != len) {
            return false;
        }
        for (int i = 0; i < len; i++) {
            if (bytes[from + i] != (byte) expected.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static AsciiString[][] byLength(String... names) {
        int max = 0;
        for (String n : names) {
            max = Math.max(max, n.length());
        }
        AsciiString[][] byLength = new AsciiString[max + 1][];
        for (int len = 0; len <= max; len++) {
            final int l = len;
            // AsciiString caches its String, so the request decoder's toString() of a constant allocates nothing.
            byLength[len] = Arrays.stream(names).filter(n -> n.length() == l).map(AsciiString::cached)
                .toArray(AsciiString[]::new);
        }
        return byLength;
    }
}
