package io.tandem.core.health;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;

import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Drives one probe over one connection: sends the request when connected, collects the reply (bounded) and
 * reports the first verdict exactly once, then closes. Runs on the channel's event loop only.
 */
final class ProbeHandler extends ChannelInboundHandlerAdapter {
    private final Probe probe;
    private final Runnable onSent;
    private final Consumer<Probe.Verdict> onVerdict;
    private final StringBuilder received = new StringBuilder();
    private boolean done;

    /** {@code onSent} runs once the request is handed to the socket, when the wait for the reply starts. */
    ProbeHandler(Probe probe, Runnable onSent, Consumer<Probe.Verdict> onVerdict) {
        this.probe = probe;
        this.onSent = onSent;
        this.onVerdict = onVerdict;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (ctx.pipeline().get(SslHandler.class) == null) {
            start(ctx);
        }
    }

    /** Over TLS the probe starts once the handshake is done: a server that fails it fails the check. */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent handshake) {
            if (handshake.isSuccess()) {
                start(ctx);
            } else {
                finish(ctx, new Probe.Verdict(false, Failures.describe(handshake.cause(), 0)));
            }
        }
        ctx.fireUserEventTriggered(evt);
    }

    private void start(ChannelHandlerContext ctx) {
        String request = probe.request();
        if (request != null) {
            ByteBuf bytes = Unpooled.copiedBuffer(request, StandardCharsets.ISO_8859_1);
            ctx.writeAndFlush(bytes).addListener(ChannelFutureListener.FIRE_EXCEPTION_ON_FAILURE);
        }
        onSent.run();
        judge(ctx, false);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf buf = (ByteBuf) msg;
        try {
            if (done) {
                return;
            }
            int keep = Math.min(buf.readableBytes(), Probe.MAX_REPLY - received.length());
            received.append(buf.toString(buf.readerIndex(), keep, StandardCharsets.ISO_8859_1));
        } finally {
            buf.release();
        }
        judge(ctx, received.length() >= Probe.MAX_REPLY);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        judge(ctx, true);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Connected already, so never a connect timeout: the limit argument is irrelevant here.
        finish(ctx, new Probe.Verdict(false, Failures.describe(cause, 0)));
    }

    private void judge(ChannelHandlerContext ctx, boolean complete) {
        if (done) {
            return;
        }
        Probe.Verdict verdict = probe.judge(received, complete);
        if (verdict != null) {
            finish(ctx, verdict);
        }
    }

    private void finish(ChannelHandlerContext ctx, Probe.Verdict verdict) {
        if (done) {
            return;
        }
        done = true;
        ctx.close();
        onVerdict.accept(verdict);
    }
}
