package io.tandem.l7.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.tandem.l7.http.Http1RequestDecoder;
import io.tandem.l7.tls.TlsSession;

/**
 * The handlers that serve a client connection's HTTP, once its transport is ready: at accept on a plain bind, after
 * the handshake on a TLS bind, where the protocol ALPN agreed picks the pipeline ({@link #afterHandshake}).
 */
final class ProtocolPipelines {
    private ProtocolPipelines() {
    }

    /**
     * The protocol-selection step of a TLS connection. ALPN offers http/1.1 only for now, and a client that asked
     * for nothing speaks HTTP/1.1; HTTP/2 adds its branch here, for {@code "h2"}.
     */
    static void afterHandshake(ProxyContext proxy, FrontendRuntime frontend, Channel channel, TlsSession tls) {
        http1(proxy, frontend, channel, tls);
    }

    /** HTTP/1.x: decoder, encoder and the connection that runs the exchanges; {@code tls} null on plain binds. */
    static void http1(ProxyContext proxy, FrontendRuntime frontend, Channel channel, TlsSession tls) {
        ProxyResponseEncoder encoder = new ProxyResponseEncoder();
        ClientConnection connection = new ClientConnection(proxy, frontend, encoder, tls);
        channel.pipeline().addLast(new RawReadObserver(connection), new Http1RequestDecoder(), encoder, connection);
    }

    /** Tells the connection about raw bytes before the decoder sees them (starts the request-head clock). */
    private static final class RawReadObserver extends ChannelInboundHandlerAdapter {
        private final ClientConnection connection;

        RawReadObserver(ClientConnection connection) {
            this.connection = connection;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            connection.onBytesReceived();
            ctx.fireChannelRead(msg);
        }
    }
}
