package io.tandem.l7.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2PingFrame;
import io.netty.handler.codec.http2.Http2SettingsFrame;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.tandem.core.config.HostPort;
import io.tandem.core.net.InactivityTimer;
import io.tandem.l7.http.Http1RequestDecoder;
import io.tandem.l7.tls.TlsSession;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * One HTTP/2 client connection of a frontend: Netty's frame codec and stream multiplexer, each stream an
 * {@link Http2Stream} that runs one {@link Exchange}, so each request is routed and balanced on its own. The
 * connection's limits (see docs/http2.md) end a hostile client's connection with GOAWAY and one rate-limited log
 * line; a drain or a reload that removed the bind sends GOAWAY and lets the open streams finish.
 */
final class Http2Connection extends ChannelInboundHandlerAdapter implements FrontendConnection {
    /** Streams open at once per connection: HAProxy's tune.h2.max-concurrent-streams. More are refused. */
    static final int MAX_CONCURRENT_STREAMS = 100;
    /** The header list a request may carry, as HTTP/1's header section: larger gets 431, much larger GOAWAY. */
    static final int MAX_HEADER_LIST_SIZE = Http1RequestDecoder.DEFAULT_MAX_HEADER_BYTES;
    /** RST_STREAM frames a client may send per second before its connection ends (rapid reset, CVE-2023-44487). */
    static final int MAX_RESETS_PER_SECOND = 100;
    /**
     * Answers to control frames (SETTINGS and PING acknowledgements, resets) queued unsent because the client does
     * not read: beyond this the client floods, and its connection ends.
     */
    static final int MAX_QUEUED_CONTROL_FRAMES = 1000;
    /**
     * PING and SETTINGS frames a client may send per second: a browser sends a few per connection, a flood costs an
     * answer each (CVE-2019-9512, CVE-2019-9515), read or not.
     */
    static final int MAX_CONTROL_FRAMES_PER_SECOND = 100;
    /** CONTINUATION frames smaller than a useful header fragment allowed in a row (the CONTINUATION flood). */
    static final int MAX_SMALL_CONTINUATION_FRAMES = 16;

    private final ProxyContext proxy;
    private FrontendRuntime frontend;
    private ChannelHandlerContext ctx;
    private InetSocketAddress peer;
    private InactivityTimer idleTimer;
    private int openStreams;
    private long streams;
    private boolean counted;
    private boolean closing;
    private long acceptedAtMillis;
    private long controlWindowStart = System.nanoTime();
    private int controlFrames;

    private final TlsSession tls;

    private Http2Connection(ProxyContext proxy, FrontendRuntime frontend, TlsSession tls) {
        this.proxy = proxy;
        this.frontend = frontend;
        this.tls = tls;
    }

    /**
     * Makes {@code channel} an HTTP/2 connection of {@code frontend} (after a PROXY header decoder, if any, and
     * after the handshake of {@code tls}, null on plain text).
     */
    static void install(ProxyContext proxy, FrontendRuntime frontend, Channel channel, TlsSession tls) {
        Http2Connection connection = new Http2Connection(proxy, frontend, tls);
        Http2FrameCodec codec = Http2FrameCodecBuilder.forServer()
                .initialSettings(Http2Settings.defaultSettings()
                        .maxConcurrentStreams(MAX_CONCURRENT_STREAMS)
                        .maxHeaderListSize(MAX_HEADER_LIST_SIZE)
                        // RFC 8441: WebSocket over a stream, by extended CONNECT (see Http2Stream).
                        .connectProtocolEnabled(true))
                .decoderEnforceMaxRstFramesPerWindow(MAX_RESETS_PER_SECOND, 1)
                .encoderEnforceMaxQueuedControlFrames(MAX_QUEUED_CONTROL_FRAMES)
                .decoderEnforceMaxSmallContinuationFrames(MAX_SMALL_CONTINUATION_FRAMES)
                // A drain waits for the open streams, each bounded by its own client and server timeouts.
                .gracefulShutdownTimeoutMillis(-1)
                .build();
        codec.connection().addListener(new Http2ConnectionAdapter() {
            @Override
            public void onGoAwaySent(int lastStreamId, long errorCode, ByteBuf debugData) {
                connection.goAwaySent(errorCode, debugData);
            }
        });
        channel.pipeline().addLast(codec, new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
            @Override
            protected void initChannel(Http2StreamChannel stream) {
                Http2Stream.install(connection, stream);
            }
        }), connection);
    }

    @Override
    public Channel channel() {
        return ctx.channel();
    }

    @Override
    public FrontendRuntime frontend() {
        return frontend;
    }

    @Override
    public InetSocketAddress peer() {
        return peer;
    }

    /** Its streams go to many servers at once: the backend and server columns stay {@code -}. */
    @Override
    public ClientSession describe() {
        return new ClientSession(frontend.name(), peer, acceptedAtMillis, streams, "-", "-");
    }

    /** What the TLS handshake settled, or null on a plain-text bind. */
    @Override
    public TlsSession tls() {
        return tls;
    }

    @Override
    public ProxyContext proxy() {
        return proxy;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.peer = (InetSocketAddress) ctx.channel().remoteAddress();
        this.idleTimer = new InactivityTimer(ctx.executor(), this::onIdle);
        if (ctx.channel().isActive()) {
            opened();
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        opened();
        ctx.fireChannelActive();
    }

    /** Counted once, whether the connection became active before this handler came (after TLS) or after. */
    private void opened() {
        if (counted) {
            return;
        }
        counted = true;
        acceptedAtMillis = System.currentTimeMillis();
        proxy.connectionOpened(this);
        // The client's first request must come within http-request, as on HTTP/1.
        idleTimer.start(frontend.config().timeout().httpRequest().toMillis());
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HAProxyMessage header) {
            peer = FrontendConnection.announcedPeer(header, peer);
            return;
        }
        // Connection-level frames (SETTINGS, PING, GOAWAY) the codec has already answered.
        io.netty.util.ReferenceCountUtil.release(msg);
        if (msg instanceof Http2PingFrame || msg instanceof Http2SettingsFrame) {
            countControlFrame();
        }
    }

    /** Beyond {@link #MAX_CONTROL_FRAMES_PER_SECOND} the codec ends the connection: GOAWAY, then close at once. */
    private void countControlFrame() {
        long now = System.nanoTime();
        if (now - controlWindowStart > 1_000_000_000L) {
            controlWindowStart = now;
            controlFrames = 0;
        }
        if (++controlFrames == MAX_CONTROL_FRAMES_PER_SECOND + 1) {
            ctx.pipeline().fireExceptionCaught(Http2Exception.connectionError(Http2Error.ENHANCE_YOUR_CALM,
                    "more than %d PING and SETTINGS frames in a second", MAX_CONTROL_FRAMES_PER_SECOND));
        }
    }

    /**
     * A stream opens: it runs on the frontend of the snapshot current now, so that a reload reaches a long-lived
     * connection too; when the reload removed the frontend, the stream is served by the old one and the connection
     * then closes. Returns the frontend and whether this is the connection's first stream.
     */
    FrontendRuntime streamOpened() {
        idleTimer.cancel();
        openStreams++;
        streams++;
        if (streams > 1) {
            FrontendRuntime current = proxy.snapshot().frontends().get(frontend.name());
            if (current == null) {
                closeWhenIdle();
            } else {
                frontend = current;
            }
        }
        return frontend;
    }

    boolean firstStream() {
        return streams == 1;
    }

    /** A stream's exchange ended; with none left the connection waits for the next within http-keep-alive. */
    void streamClosed() {
        openStreams--;
        if (openStreams == 0 && !closing) {
            idleTimer.start(frontend.config().timeout().httpKeepAlive().toMillis());
        }
    }

    private void onIdle() {
        if (openStreams == 0) {
            closeWhenIdle();
        }
    }

    /** GOAWAY now: the client opens no new stream; the connection closes when its open streams have finished. */
    @Override
    public void closeWhenIdle() {
        if (!closing) {
            closing = true;
            idleTimer.cancel();
            // Netty's HTTP/2 handler turns a close into a graceful shutdown: GOAWAY, then wait for the streams.
            ctx.channel().close();
        }
    }

    /** A GOAWAY with an error: the client broke the protocol or a limit; its connection ends. */
    private void goAwaySent(long errorCode, ByteBuf debugData) {
        if (errorCode == Http2Error.NO_ERROR.code()) {
            return;
        }
        Http2Error error = Http2Error.valueOf(errorCode);
        String reason = debugData.toString(StandardCharsets.UTF_8);
        frontend.http2Errors().event(() -> "frontend " + frontend.name() + ": closed HTTP/2 connection from "
                + HostPort.text(peer) + " with GOAWAY " + (error == null ? errorCode : error.name())
                + (reason.isEmpty() ? "" : " (" + reason + ")")
                + (error == Http2Error.ENHANCE_YOUR_CALM ? ": the client exceeded a limit of docs/http2.md" : ""));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Protocol errors were answered with GOAWAY by the codec (and logged above); resets are a client leaving.
        if (!(cause instanceof Http2Exception)) {
            ctx.close();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        idleTimer.stop();
        if (counted) {
            proxy.connectionClosed(this);
        }
        ctx.fireChannelInactive();
    }
}
