package io.tandem.l7.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * A server connection that is one Netty channel, the last handler of its pipeline: what the exchange sends goes to
 * the channel, and the channel's events go to the exchange holding it ({@code owner}, null while none does). An
 * HTTP/1.1 connection ({@link Upstreams}) and an HTTP/2 stream ({@link Http2UpstreamStream}) differ in what a
 * response and the connection's end mean; the plumbing is this.
 */
abstract class ChannelUpstream extends ChannelInboundHandlerAdapter implements UpstreamConnection {
    protected Channel channel;
    protected UpstreamListener owner;

    void attach(UpstreamListener listener) {
        owner = listener;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
    }

    @Override
    public void send(Object message) {
        channel.write(message);
    }

    @Override
    public void flush() {
        channel.flush();
    }

    /** False while the server does not take more: its socket (HTTP/1.1) or its flow-control window (HTTP/2). */
    @Override
    public boolean isWritable() {
        return channel.isWritable();
    }

    /** Paused, nothing more is read (an HTTP/2 stream gives no window back): the server stops sending. */
    @Override
    public void readFromServer(boolean read) {
        channel.config().setAutoRead(read);
    }

    @Override
    public void discard() {
        owner = null;
        channel.close();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (owner != null) {
            owner.onUpstreamReadComplete();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (owner != null) {
            owner.onUpstreamWritabilityChanged(ctx.channel().isWritable());
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        UpstreamListener listener = owner;
        owner = null;
        ctx.close();
        if (listener != null) {
            listener.onUpstreamClosed(cause);
        }
    }
}
