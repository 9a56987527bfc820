package io.tandem.l7.acl;

import io.netty.handler.codec.http.HttpHeaders;
import io.tandem.core.stick.StickEntry;

import java.net.InetAddress;

/** What sample fetches can read from one request; the proxy implements it per request. */
public interface RequestFacts {

    /** The request method as received, e.g. {@code GET}. */
    String method();

    /** The request-target as received: origin-form {@code /a?b}, absolute-form, or {@code *}. */
    String uri();

    /** The target without its query; for an absolute-form target, only the path part. */
    String path();

    /** The text after the first {@code '?'}, or null when the target has none. */
    String query();

    /** The request headers; header rules change them, so later conditions see the changes. */
    HttpHeaders headers();

    /** The client address (after PROXY protocol, when the bind accepts it). */
    InetAddress source();

    /** True when the client connection is TLS. */
    boolean sslFc();

    /** The SNI server name of a TLS connection, null on plain connections or when the client sent none. */
    String sslSni();

    /** The TLS version of a TLS connection ({@code TLSv1.3}), null on plain connections. */
    String sslProtocol();

    /** The protocol agreed by ALPN on a TLS connection ({@code http/1.1}), null when none or on plain ones. */
    String sslAlpn();

    /** The protocol version as on the request line, e.g. {@code HTTP/1.1}. */
    String httpVersion();

    /** The stick-table entry that counter {@code counter} (0 to 2) tracks for this request, or null. */
    default StickEntry tracked(int counter) {
        return null;
    }

    /**
     * Tracks {@code entry} with counter {@code counter} ({@code track-scN}) and counts the request in it; false
     * when the counter already tracks an entry, or when this request cannot track (no counters).
     */
    default boolean track(int counter, StickEntry entry) {
        return false;
    }
}
