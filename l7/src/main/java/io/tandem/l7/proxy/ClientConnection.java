package io.tandem.l7.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.ReferenceCountUtil;
import io.tandem.core.metrics.HttpCounters;
import io.tandem.core.config.HostPort;
import io.tandem.core.net.InactivityTimer;
import io.tandem.l7.http.Http1RequestDecoder;
import io.tandem.l7.http.HttpRejection;
import io.tandem.l7.tls.TlsSession;

import java.net.InetSocketAddress;
import java.util.ArrayDeque;

/**
 * One HTTP/1 client connection of a frontend: takes decoded requests one at a time, hands each to an
 * {@link Exchange} with the connection's {@link Http1Downstream}, holds pipelined requests until the previous
 * response is done, and runs the connection-level timers ({@code http-request} for a request head,
 * {@code http-keep-alive} between requests).
 */
final class ClientConnection extends ClientChannelHandler implements FrontendConnection {
    /** Decoded objects (heads, body parts) held for requests queued behind the current one. */
    private static final int MAX_PIPELINED = 64;
    private final ProxyContext proxy;
    /** The frontend of the current request: the current snapshot's when the request began. */
    private FrontendRuntime frontend;
    /** Created by the first pipelined request: most clients never pipeline, and an idle connection holds none. */
    private ArrayDeque<HttpObject> pipelined;
    private final Http1Downstream downstream;
    private final TlsSession tls;
    private ChannelHandlerContext ctx;
    private InetSocketAddress peer;
    private InactivityTimer headTimer;
    private boolean activated;
    private boolean waitingForHead = true;
    private boolean keepAliveWait;
    private boolean closeWhenIdle;
    private boolean inputShutdown;
    private boolean proxyHeaderRefused;
    private long requests;
    private final long acceptedAtMillis = System.currentTimeMillis();

    /** A connection of {@code frontend}; {@code tls} is its finished handshake, null on a plain-text bind. */
    ClientConnection(ProxyContext proxy, FrontendRuntime frontend, ProxyResponseEncoder encoder, TlsSession tls) {
        this.proxy = proxy;
        this.frontend = frontend;
        this.tls = tls;
        this.downstream = new Http1Downstream(this, encoder);
    }

    /** The TLS session of the connection, or null for plain text. */
    @Override
    public TlsSession tls() {
        return tls;
    }

    @Override
    public FrontendRuntime frontend() {
        return frontend;
    }

    @Override
    public ProxyContext proxy() {
        return proxy;
    }

    @Override
    public Channel channel() {
        return ctx.channel();
    }

    /** How many requests this connection has started, the current one included. */
    long requests() {
        return requests;
    }

    /** What {@code show sessions} shows of this connection; call on its event loop. */
    @Override
    public ClientSession describe() {
        String backend = "-";
        String server = "-";
        ExchangeLog log = exchange != null ? exchange.log() : tunnel != null ? tunnel.log() : null;
        if (log != null) {
            backend = log.backend;
            server = log.server;
        }
        return new ClientSession(frontend.name(), peer, acceptedAtMillis, requests, backend, server);
    }

    /** The real client: the TCP peer, or the source a PROXY header announced on an accept-proxy bind. */
    @Override
    public InetSocketAddress peer() {
        return peer;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.peer = (InetSocketAddress) ctx.channel().remoteAddress();
        // One of each per connection, reused by its exchanges (a request costs no timer allocation), sharing one
        // scheduled task: an idle keep-alive connection keeps one task queued, not three.
        InactivityTimer.Group timers = new InactivityTimer.Group(ctx.executor(), 3);
        this.headTimer = timers.timer(this::onHeadTimeout);
        addExchangeTimers(timers);
        if (ctx.channel().isActive()) {
            // Installed after a TLS handshake: the channel went active before this handler existed.
            activate(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        activate(ctx);
        ctx.fireChannelActive();
    }

    /**
     * Counts the connection and starts the wait for its first head, once: at accept, or after a TLS handshake. An
     * accepted channel is active already when its handlers are added, and goes on to fire channelActive.
     */
    private void activate(ChannelHandlerContext ctx) {
        if (activated) {
            return;
        }
        activated = true;
        proxy.connectionOpened(this);
        headTimer.start(frontend.config().timeout().httpRequest().toMillis());
    }

    /**
     * Called for every raw read before decoding: the first byte after a keep-alive wait starts the
     * {@code http-request} clock for the next head.
     */
    void onBytesReceived() {
        if (keepAliveWait) {
            keepAliveWait = false;
            headTimer.start(frontend.config().timeout().httpRequest().toMillis());
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (tunnel != null) {
            tunnel.fromClient(msg);
            return;
        }
        if (msg instanceof HAProxyMessage proxyHeader) {
            peer = FrontendConnection.announcedPeer(proxyHeader, peer);
            return;
        }
        if (!(msg instanceof HttpObject object)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (exchange != null && exchange.requestComplete() || !nothingPipelined()) {
            if (pipelined == null) {
                pipelined = new ArrayDeque<>(4);
            }
            pipelined.add(object);
            if (pipelined.size() >= MAX_PIPELINED) {
                // Reading goes on while a response is pending (a closing client is seen at once), but a client
                // that pipelines without end is paused here, not buffered without bound.
                ctx.channel().config().setAutoRead(false);
            }
            return;
        }
        dispatch(object);
    }

    private void dispatch(HttpObject object) {
        if (object instanceof HttpRequest request) {
            headTimer.cancel();
            waitingForHead = false;
            keepAliveWait = false;
            if (request.decoderResult().isFailure()) {
                rejectMalformed(request);
                return;
            }
            if (requests > 0) {
                followReload();
            }
            requests++;
            downstream.begin(request);
            exchange = new Exchange(downstream, proxy.upstreams(), request);
            exchange.start();
            if (object instanceof HttpContent content) {
                exchange.onRequestContent(content);
            }
        } else if (exchange != null) {
            exchange.onRequestContent((HttpContent) object);
        } else {
            // Body bytes of a request that was already answered and closed: nothing to do with them.
            ReferenceCountUtil.release(object);
        }
    }

    private void rejectMalformed(HttpRequest request) {
        Throwable cause = request.decoderResult().cause();
        int status = cause instanceof HttpRejection rejection ? rejection.status() : 400;
        ExchangeLog log = new ExchangeLog("<BADREQ>");
        log.status = status;
        log.terminate(ExchangeLog.Cause.PROXY, ExchangeLog.Phase.REQUEST);
        log.outcome = HttpCounters.Outcome.REQUEST_ERROR;
        ReferenceCountUtil.release(request);
        respondAndClose(ErrorResponses.of(status, true), log);
    }

    private void onHeadTimeout() {
        if (exchange != null || !ctx.channel().isActive()) {
            return;
        }
        if (waitingForHead && !keepAliveWait) {
            ExchangeLog log = new ExchangeLog("<BADREQ>");
            log.status = 408;
            log.terminate(ExchangeLog.Cause.CLIENT_TIMEOUT, ExchangeLog.Phase.REQUEST);
            respondAndClose(ErrorResponses.of(408, true), log);
        } else {
            ctx.close();
        }
    }

    /** Answers with a response the proxy made itself, then closes: the connection's framing can't be trusted. */
    void respondAndClose(FullHttpResponse response, ExchangeLog log) {
        log.bytesToClient = response.content().readableBytes();
        proxy.exchangeEnded(log, this);
        ctx.channel().config().setAutoRead(false);
        releasePipelined();
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }

    /**
     * The current exchange is over. Keep-alive: the next pipelined request starts, or the keep-alive timer
     * runs. Otherwise the connection closes once the response is flushed.
     */
    void exchangeFinished(boolean keepAlive) {
        exchange = null;
        if (!keepAlive || closeWhenIdle || proxy.draining() || inputShutdown && nothingPipelined()) {
            releasePipelined();
            ctx.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        waitingForHead = true;
        keepAliveWait = true;
        headTimer.start(frontend.config().timeout().httpKeepAlive().toMillis());
        // Feed the next pipelined request up to its end; later ones wait for its response.
        while (!nothingPipelined() && (exchange == null || !exchange.requestComplete())) {
            dispatch(pipelined.poll());
        }
        if (pipelined == null || pipelined.size() < MAX_PIPELINED) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    /**
     * The exchange's server switched protocols: from now on the connection relays raw bytes through
     * {@code relay}. The HTTP codecs leave the pipeline; bytes the decoder had already read go to the tunnel.
     */
    void enterTunnel(Tunnel relay) {
        exchange = null;
        tunnel = relay;
        headTimer.cancel();
        releasePipelined();
        ChannelPipeline pipeline = ctx.pipeline();
        pipeline.remove(ProxyResponseEncoder.class);
        pipeline.remove(Http1RequestDecoder.class);
        ctx.channel().config().setAutoRead(true);
    }

    /**
     * Between requests, the connection moves to its frontend in the snapshot current now, so that a reload reaches
     * keep-alive clients too (a request in flight finishes on the frontend it began on). When a reload removed the
     * frontend, this request is served by the old one and the connection then closes.
     */
    private void followReload() {
        FrontendRuntime current = proxy.snapshot().frontends().get(frontend.name());
        if (current == null) {
            closeWhenIdle = true;
        } else {
            frontend = current;
        }
    }

    /** True when the connection closes after the current response: the daemon drains or a reload removed its bind. */
    boolean closing() {
        return closeWhenIdle || proxy.draining();
    }

    /** Asks the connection to close once its current exchange ends (shutdown drain, or a reload removed its bind). */
    @Override
    public void closeWhenIdle() {
        closeWhenIdle = true;
        if (exchange == null && tunnel == null) {
            ctx.close();
        }
    }

    /**
     * The client sent a FIN (half-closure is allowed on client connections): as HAProxy without
     * {@code abortonclose}, the requests it sent are answered, then the connection closes. A request cut short by
     * the FIN already failed in the decoder. A tunnel ends as before, on the client's close.
     */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            inputShutdown = true;
            if (tunnel != null || exchange == null && nothingPipelined()) {
                ctx.close();
            }
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        headTimer.stop();
        stopExchangeTimers();
        releasePipelined();
        if (tunnel != null) {
            tunnel.onClientClosed();
        }
        if (exchange != null) {
            Exchange aborted = exchange;
            exchange = null;
            aborted.onClientClosed();
        }
        proxy.connectionClosed(this);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!proxyHeaderRefused && (cause instanceof io.netty.handler.codec.DecoderException
                && cause.getCause() instanceof io.netty.handler.codec.haproxy.HAProxyProtocolException
                || cause instanceof io.netty.handler.codec.haproxy.HAProxyProtocolException)) {
            // Once per connection: the decoder fails again on the bytes it still holds when the channel closes.
            proxyHeaderRefused = true;
            java.net.SocketAddress from = ctx.channel().remoteAddress();
            frontend.badProxyHeaders().event(() -> "frontend " + frontend.name() + ": closed connection from "
                    + HostPort.text(from) + ": missing or malformed PROXY header on an accept-proxy bind");
        }
        // Resets and broken pipes are a client's normal way to leave; the exchange logs the abort.
        ctx.close();
    }

    private boolean nothingPipelined() {
        return pipelined == null || pipelined.isEmpty();
    }

    private void releasePipelined() {
        HttpObject object;
        while (pipelined != null && (object = pipelined.poll()) != null) {
            ReferenceCountUtil.release(object);
        }
    }
}
