package io.tandem.l7.proxy;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.tandem.core.net.InactivityTimer;

/**
 * The handler of a client's channel, an HTTP/1 connection ({@link ClientConnection}) or an HTTP/2 stream
 * ({@link Http2Stream}): the client's reads and writability drive the open tunnel once the server switched
 * protocols, else the exchange in progress, whose {@code timeout client} and {@code timeout server} are the
 * channel's two exchange timers, reused by its exchanges one after another.
 */
abstract class ClientChannelHandler extends ChannelInboundHandlerAdapter {
    /** The exchange in progress on the channel, or null. */
    Exchange exchange;
    /** The tunnel the channel carries after a switch of protocols, or null. */
    Tunnel tunnel;
    private InactivityTimer clientTimer;
    private InactivityTimer serverTimer;

    /** Makes the exchange timers in {@code timers}: at expiry, the exchange in progress times out. */
    final void addExchangeTimers(InactivityTimer.Group timers) {
        clientTimer = timers.timer(() -> {
            if (exchange != null) {
                exchange.onClientTimeout();
            }
        });
        serverTimer = timers.timer(() -> {
            if (exchange != null) {
                exchange.onServerTimeout();
            }
        });
    }

    /** {@code timeout client} of the exchange in progress: inactivity while its request body arrives. */
    public final InactivityTimer clientTimer() {
        return clientTimer;
    }

    /** {@code timeout server} of the exchange in progress: inactivity while the server owes a response. */
    public final InactivityTimer serverTimer() {
        return serverTimer;
    }

    /** The channel closed: the exchange timers stop, and their scheduled task goes once no timer of it runs. */
    final void stopExchangeTimers() {
        clientTimer.stop();
        serverTimer.stop();
    }

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
