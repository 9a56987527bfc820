package io.tandem.l7.proxy;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.tandem.l7.tls.TlsSession;

import java.net.InetSocketAddress;

/**
 * A {@link Downstream} with a channel of its own, the client's HTTP/1 connection ({@link Http1Downstream}) or one
 * HTTP/2 stream ({@link Http2Stream}): the exchange runs on the channel's loop, the request body is paced by the
 * channel's reads (on a stream, paused reads give no bytes back to its flow-control window, so the client stops
 * sending), the response by its writability (on a stream, false while the stream's or the connection's window, or
 * its buffer, is full), and a tunnel after a switch of protocols goes over the same channel. The client, its TLS
 * session and the log are the client connection's.
 */
interface ChannelDownstream extends Downstream, Tunnel.Client {

    /** The channel the requests come in on and their responses go out on. */
    Channel channel();

    /** The client connection the channel is, or is a stream of. */
    FrontendConnection connection();

    @Override
    default InetSocketAddress peer() {
        return connection().peer();
    }

    @Override
    default TlsSession tls() {
        return connection().tls();
    }

    @Override
    default EventLoop eventLoop() {
        return channel().eventLoop();
    }

    @Override
    default void readRequestBody(boolean read) {
        channel().config().setAutoRead(read);
    }

    @Override
    default boolean isWritable() {
        return channel().isWritable();
    }

    @Override
    default Channel tunnelChannel() {
        return channel();
    }

    @Override
    default void tunnelEnded(ExchangeLog log) {
        connection().proxy().exchangeEnded(log, connection());
    }
}
