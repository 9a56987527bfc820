package io.tandem.l7.tls;

import io.netty.handler.ssl.SslHandler;

import javax.net.ssl.SSLSession;

/**
 * What the handshake of one client connection settled, for fetches and the log: {@code protocol}
 * ({@code TLSv1.3}), {@code sni} (null when the client sent none), {@code alpn} (null when none was agreed) and the
 * cipher suite.
 */
public record TlsSession(String protocol, String sni, String alpn, String cipher) {

    /** The session of {@code handler}'s finished handshake; {@code sni} as the client sent it. */
    public static TlsSession of(SslHandler handler, String sni) {
        SSLSession session = handler.engine().getSession();
        return new TlsSession(session.getProtocol(), sni, handler.applicationProtocol(), session.getCipherSuite());
    }
}
