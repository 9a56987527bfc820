package io.tandem.l7.proxy;

import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.tandem.core.balance.Server;
import io.tandem.core.balance.ServerPool;
import io.tandem.core.net.InactivityTimer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/**
 * A second {@link Downstream} besides HTTP/1, with no client connection at all: a request is handed in as objects
 * and its response collected in memory. It shows that an {@link Exchange} needs nothing of HTTP/1 from its client
 * side, as an HTTP/2 stream will.
 */
final class InMemoryDownstream implements Downstream {

    /** What came back: the status, the head's headers (null for an error the proxy made), the body, the log line. */
    record Response(int status, HttpHeaders headers, String body, String logLine) {
    }

    private final FrontendRuntime frontend;
    private final InetSocketAddress peer;
    private final EventLoop loop;
    private final InactivityTimer clientTimer;
    private final InactivityTimer serverTimer;
    private final CompletableFuture<Response> response = new CompletableFuture<>();
    private final StringBuilder body = new StringBuilder();
    private Exchange exchange;
    private HttpResponse head;

    private InMemoryDownstream(FrontendRuntime frontend, InetSocketAddress peer, EventLoop loop) {
        this.frontend = frontend;
        this.peer = peer;
        this.loop = loop;
        this.clientTimer = new InactivityTimer(loop, () -> exchange.onClientTimeout());
        this.serverTimer = new InactivityTimer(loop, () -> exchange.onServerTimeout());
    }

    /** Runs {@code request} (without a body) from {@code peer} through {@code frontend} on {@code loop}. */
    static CompletableFuture<Response> send(FrontendRuntime frontend, InetSocketAddress peer, EventLoop loop,
                                            UpstreamConnector connector, HttpRequest request) {
        InMemoryDownstream downstream = new InMemoryDownstream(frontend, peer, loop);
        loop.execute(() -> {
            downstream.exchange = new Exchange(downstream, connector, request);
            downstream.exchange.start();
            downstream.exchange.onRequestContent(LastHttpContent.EMPTY_LAST_CONTENT);
        });
        return downstream.response;
    }

    @Override
    public FrontendRuntime frontend() {
        return frontend;
    }

    @Override
    public InetSocketAddress peer() {
        return peer;
    }

    @Override
    public io.tandem.l7.tls.TlsSession tls() {
        return null;
    }

    @Override
    public boolean firstRequest() {
        return true;
    }

    @Override
    public EventLoop eventLoop() {
        return loop;
    }

    @Override
    public InactivityTimer clientTimer() {
        return clientTimer;
    }

    @Override
    public InactivityTimer serverTimer() {
        return serverTimer;
    }

    @Override
    public boolean requestHasBody() {
        return false;
    }

    /** Objects handed in carry no connection headers, and ask for no upgrade. */
    @Override
    public String takeConnectionHeaders(HttpRequest request) {
        return null;
    }

    @Override
    public boolean upgradeNeedsSwitch() {
        return false;
    }

    @Override
    public void readRequestBody(boolean read) {
        // The whole request is handed in at once: there is nothing to pause.
    }

    @Override
    public boolean isWritable() {
        return true;
    }

    @Override
    public boolean respond(FullHttpResponse answer, ExchangeLog log) {
        head = answer;
        body.append(answer.content().toString(StandardCharsets.UTF_8));
        answer.release();
        return true;
    }

    @Override
    public void sendInterim(HttpObject part) {
        ReferenceCountUtil.release(part);
    }

    @Override
    public void sendHead(HttpResponse response, boolean requestComplete) {
        head = response;
    }

    @Override
    public void sendContent(HttpContent content) {
        body.append(content.content().toString(StandardCharsets.UTF_8));
        content.release();
    }

    @Override
    public void flush() {
        // Nothing is buffered on the way to an in-memory client.
    }

    @Override
    public void switchProtocols(HttpResponse response, UpstreamConnection upstream, ServerPool pool, Server server,
                                ExchangeLog log, long tunnelTimeoutMillis) {
        throw new AssertionError("an in-memory request never asks for an upgrade");
    }

    @Override
    public void finish(ExchangeLog log, boolean requestComplete) {
        response.complete(new Response(head.status().code(), head.headers(), body.toString(), render(log)));
    }

    @Override
    public void fail(FullHttpResponse answer, ExchangeLog log) {
        answer.release();
        response.complete(new Response(answer.status().code(), null, "", render(log)));
    }

    @Override
    public void abort(ExchangeLog log, HttpHeaders trailers) {
        response.completeExceptionally(new IOException("exchange aborted: " + render(log)));
    }

    @Override
    public boolean canRefuse() {
        return false;
    }

    @Override
    public void refuse(ExchangeLog log) {
        throw new IllegalStateException("never refused: canRefuse is false");
    }

    private String render(ExchangeLog log) {
        return log.render(peer, frontend.name(), null).toString();
    }
}
