package io.tandem.l7.proxy;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SniCompletionEvent;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.tandem.core.config.HostPort;
import io.tandem.l7.tls.TlsSession;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * Waits for a TLS bind's handshake, then hands the connection to the protocol it agreed
 * ({@link ProtocolPipelines#afterHandshake}) and leaves the pipeline. A connection whose handshake fails (plain
 * HTTP or garbage on the port, no shared cipher) or is not done within {@code timeout.http-request} of the accept is
 * closed, with a rate-limited warning; it never reaches the HTTP code. What is read before the pipeline is in place
 * (a PROXY header, and application data the TLS layer may hand on before it announces the finished handshake) is
 * passed on once it is.
 */
final class TlsHandshake extends ChannelInboundHandlerAdapter {
    /** A PROXY header and a few records of application data at most; more before the handshake ends is hostile. */
    private static final int MAX_EARLY = 16;
    private final ProxyContext proxy;
    private final FrontendRuntime frontend;
    private final long timeoutMillis;
    /** {@code proto h2} on the bind: HTTP/2 after the handshake whatever ALPN agreed. */
    private final boolean h2;
    private String sni;
    /** Messages read before the handshake's end was announced, in order. */
    private final ArrayDeque<Object> early = new ArrayDeque<>(2);
    private ScheduledFuture<?> deadline;
    private boolean failed;

    TlsHandshake(ProxyContext proxy, FrontendRuntime frontend, long timeoutMillis, boolean h2) {
        this.proxy = proxy;
        this.frontend = frontend;
        this.timeoutMillis = timeoutMillis;
        this.h2 = h2;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        deadline = ctx.executor().schedule(() -> {
            fail(ctx, "no TLS handshake within timeout.http-request (" + timeoutMillis + "ms)");
        }, timeoutMillis, TimeUnit.MILLISECONDS);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (early.size() >= MAX_EARLY) {
            ReferenceCountUtil.release(msg);
            fail(ctx, "too much data before the TLS handshake ended");
            return;
        }
        early.add(msg);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SniCompletionEvent completion) {
            sni = completion.hostname();
        } else if (evt instanceof SslHandshakeCompletionEvent handshake) {
            if (handshake.isSuccess()) {
                ready(ctx);
                return;
            }
            fail(ctx, "TLS handshake failed: " + reason(handshake.cause()));
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    private void ready(ChannelHandlerContext ctx) {
        cancelDeadline();
        TlsSession session = TlsSession.of(ctx.pipeline().get(SslHandler.class), sni);
        ProtocolPipelines.afterHandshake(proxy, frontend, ctx.channel(), session, h2);
        ctx.pipeline().remove(this);
        Object msg;
        while ((msg = early.poll()) != null) {
            ctx.fireChannelRead(msg);
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        fail(ctx, "TLS handshake failed: " + reason(cause));
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancelDeadline();
        Object msg;
        while ((msg = early.poll()) != null) {
            ReferenceCountUtil.release(msg);
        }
        ctx.fireChannelInactive();
    }

    private void fail(ChannelHandlerContext ctx, String why) {
        cancelDeadline();
        if (!failed) {
            failed = true;
            String client = HostPort.text(ctx.channel().remoteAddress());
            frontend.tlsFailures().event(() -> "frontend " + frontend.name() + ": closed connection from " + client
                    + ": " + why);
        }
        ctx.close();
    }

    private void cancelDeadline() {
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
    }

    /** The innermost cause's message: what an operator can act on, without the decoder's wrapping. */
    private static String reason(Throwable cause) {
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root instanceof NotSslRecordException) {
            return "not TLS (plain HTTP or garbage on a TLS bind)";
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }
}
