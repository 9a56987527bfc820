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
     * The protocol-selection step of a TLS connection: HTTP/2 when ALPN agreed on {@code h2} or the bind says
     * {@code proto h2}; otherwise HTTP/1.1, also for a client that asked for nothing.
     */
    static void afterHandshake(ProxyContext proxy, FrontendRuntime frontend, Channel channel, TlsSession tls,
                               boolean h2) {
        if (h2 || "h2".equals(tls.alpn())) {
            Http2Connection.install(proxy, frontend, channel, tls);
        } else {
            http1(proxy, frontend, channel, tls);
        }
    }

    /** A plain-text connection: HTTP/2 from the first byte on a {@code proto h2} bind, else HTTP/1. */
    static void plain(ProxyContext proxy, FrontendRuntime frontend, Channel channel, boolean h2) {
        if (h2) {
            Http2Connection.install(proxy, frontend, channel, null);
        } else {
            http1(proxy, frontend, channel, null);
        }
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
