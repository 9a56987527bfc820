package io.tandem.core.tls;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.NetUtil;
import io.tandem.core.config.ConfigError;
import io.tandem.core.config.HostPort;
import io.tandem.core.config.ServerTls;

import javax.net.ssl.SSLException;
import java.nio.file.Path;
import java.util.List;

/**
 * TLS to one server, as its {@code ssl} block asks: a context built once on the control path (the CA file read
 * then), and a handler per connection. The name sent as SNI and checked against the certificate is {@code sni}, else
 * the server's host name; an IP address sends no SNI and, with {@code verify: required}, has its chain checked only
 * (as HAProxy without {@code verifyhost}).
 */
public final class TlsClient {
    private final SslContext context;
    private final String peerHost;
    private final int port;

    private TlsClient(SslContext context, String peerHost, int port) {
        this.context = context;
        this.peerHost = peerHost;
        this.port = port;
    }

    /** The client for {@code address} with {@code ssl}, or null after adding what is wrong to {@code errors}. */
    public static TlsClient compile(ServerTls ssl, HostPort address, String what, List<ConfigError> errors) {
        String host = ssl.sni() != null ? ssl.sni() : NetUtil.isValidIpV4Address(address.host())
                || NetUtil.isValidIpV6Address(address.host()) ? null : address.host();
        SslContextBuilder builder = SslContextBuilder.forClient().sslProvider(TlsLibrary.provider());
        if (!ssl.verify()) {
            builder.trustManager(InsecureTrustManagerFactory.INSTANCE).endpointIdentificationAlgorithm(null);
        } else {
            builder.endpointIdentificationAlgorithm(host == null ? null : "HTTPS");
            if (ssl.ca() != null) {
                Path file = Path.of(ssl.ca().pos().file()).resolveSibling(ssl.ca().value());
                try {
                    builder.trustManager(PemBundle.read(file, false).certificates());
                } catch (PemException e) {
                    errors.add(new ConfigError(ssl.ca().pos(), what + ": ca " + e.getMessage()));
                    return null;
                }
            }
        }
        if (!ssl.alpn().isEmpty()) {
            builder.applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                    ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                    ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, ssl.alpn()));
        }
        try {
            return new TlsClient(builder.build(), host, address.port());
        } catch (SSLException e) {
            errors.add(new ConfigError(ssl.pos(), what + ": cannot set up TLS: " + e.getMessage()));
            return null;
        }
    }

    /** A handler for one new connection, giving up on a handshake that takes longer than {@code timeoutMillis}. */
    public SslHandler newHandler(ByteBufAllocator allocator, long timeoutMillis) {
        SslHandler handler = peerHost == null ? context.newHandler(allocator)
                : context.newHandler(allocator, peerHost, port);
        handler.setHandshakeTimeoutMillis(timeoutMillis);
        return handler;
    }
}
