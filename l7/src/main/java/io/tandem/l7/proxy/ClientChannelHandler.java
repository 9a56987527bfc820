package io.tandem.l7.proxy;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * The handler of a client's channel, an HTTP/1 connection ({@link ClientConnection}) or an HTTP/2 stream
 * ({@link Http2Stream}): the client's reads and writability drive the open tunnel once the server switched
 * protocols, else the exchange in progress.
 */
abstract class ClientChannelHandler extends ChannelInboundHandlerAdapter {
    /** The exchange in progress on the channel, or null. */
    Exchange exchange;
    /** The tunnel the channel carries after a switch of protocols, or null. */
    Tunnel tunnel;

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (tunnel != null) {
            tunnel.onClientReadComplete();
        } else if (exchange != null) {
            exchange.onClientReadComplete();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        boolean writable = ctx.channel().isWritable();
        if (tunnel != null) {
            tunnel.onClientWritabilityChanged(writable);
        } else if (exchange != null) {
            exchange.onClientWritabilityChanged(writable);
        }
        ctx.fireChannelWritabilityChanged();
    }
}
