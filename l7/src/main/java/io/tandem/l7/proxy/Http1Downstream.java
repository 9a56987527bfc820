package io.tandem.l7.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.tandem.core.balance.Server;
import io.tandem.core.balance.ServerPool;
import io.tandem.core.net.InactivityTimer;

/**
 * The client side of the exchanges of one HTTP/1 connection: what HTTP/1 decides about a request and its
 * response — keep-alive or close, hop-by-hop headers, the response's framing for the client's version, HEAD,
 * and the switch to a tunnel after a {@code 101}. One per connection, reused by its exchanges one after another.
 */
final class Http1Downstream implements ChannelDownstream {
    private final ClientConnection connection;
    private final ProxyResponseEncoder encoder;
    // The current request's HTTP/1 facts, set by begin().
    private boolean keepAlive;
    private boolean head;
    private boolean http11;
    private boolean hasBody;
    private String upgrade;

    Http1Downstream(ClientConnection connection, ProxyResponseEncoder encoder) {
        this.connection = connection;
        this.encoder = encoder;
    }

    /** A request starts on the connection: reads what HTTP/1 says about it, before any rule sees it. */
    void begin(HttpRequest request) {
        keepAlive = HttpUtil.isKeepAlive(request);
        head = HttpMethod.HEAD.equals(request.method());
        http11 = HttpVersion.HTTP_1_1.equals(request.protocolVersion());
        hasBody = HttpUtil.isTransferEncodingChunked(request) || HttpUtil.getContentLength(request, 0L) > 0;
        upgrade = null;
        if (hasBody && HopByHop.connectionHas(request.headers(), "upgrade")) {
            // A request with a payload cannot switch protocols; HAProxy drops its Upgrade before any rule sees it.
            request.headers().remove(HttpHeaderNames.UPGRADE);
        }
    }

    @Override
    public FrontendRuntime frontend() {
        return connection.frontend();
    }

    @Override
    public boolean firstRequest() {
        return connection.requests() == 1;
    }

    @Override
    public InactivityTimer clientTimer() {
        return connection.clientTimer();
    }

    @Override
    public InactivityTimer serverTimer() {
        return connection.serverTimer();
    }

    @Override
    public boolean requestHasBody() {
        return hasBody;
    }

    @Override
    public String takeConnectionHeaders(HttpRequest request) {
        upgrade = HopByHop.requestedUpgrade(request);
        HopByHop.strip(request.headers());
        return upgrade;
    }

    @Override
    public boolean upgradeNeedsSwitch() {
        return false;
    }

    /**
     * The connection stays open only when no request body is on its way, since the body would otherwise have to
     * be read and thrown away.
     */
    @Override
    public boolean respond(FullHttpResponse response, ExchangeLog log) {
        if (hasBody || !keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            connection.respondAndClose(response, log);
            return false;
        }
        log.bytesToClient = response.content().readableBytes();
        encoder.answeringHead(false);
        write(response);
        return true;
    }

    @Override
    public void sendInterim(HttpObject part) {
        write(part);
    }

    @Override
    public void sendHead(HttpResponse response, boolean requestComplete) {
        int status = response.status().code();
        HttpHeaders headers = response.headers();
        boolean bodyAllowed = !head && status != 204 && status != 304;
        if (bodyAllowed && !HttpUtil.isContentLengthSet(response) && !HttpUtil.isTransferEncodingChunked(response)) {
            // A close-delimited body: HTTP/1.1 clients get it chunked and keep their connection.
            if (http11) {
                HttpUtil.setTransferEncodingChunked(response, true);
            } else {
                keepAlive = false;
            }
        }
        if (!requestComplete) {
            // The server answered before the request body ended: the client's framing is lost after this.
            keepAlive = false;
        }
        if (!keepAlive || connection.closing()) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (!http11) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        response.setProtocolVersion(HttpVersion.HTTP_1_1);
        encoder.answeringHead(head);
        write(response);
    }

    @Override
    public void sendContent(HttpContent content) {
        write(content);
    }

    @Override
    public void flush() {
        channel().flush();
    }

    /** Tunnels at once: what follows the 101 head is the new protocol, whatever the codecs would make of it. */
    @Override
    public void switchProtocols(HttpResponse response, UpstreamConnection upstream, ServerPool pool, Server server,
                                ExchangeLog log, long tunnelTimeoutMillis) {
        HttpHeaders headers = response.headers();
        String protocol = headers.get(HttpHeaderNames.UPGRADE, upgrade);
        headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
        headers.set(HttpHeaderNames.UPGRADE, protocol);
        encoder.answeringHead(false);
        Channel channel = channel();
        write(response);
        write(LastHttpContent.EMPTY_LAST_CONTENT);
        Tunnel tunnel = new Tunnel(this, upstream, pool, server, log, tunnelTimeoutMillis);
        channel.flush();
        upstream.toTunnel(tunnel);
        connection.enterTunnel(tunnel);
    }

    /** The connection carries the tunnel's bytes as they are. */
    @Override
    public Object toClient(ByteBuf bytes) {
        return bytes;
    }

    @Override
    public void endTunnel() {
        channel().writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void finish(ExchangeLog log, boolean requestComplete) {
        connection.proxy().exchangeEnded(log, connection);
        channel().flush();
        connection.exchangeFinished(keepAlive && requestComplete);
    }

    @Override
    public void fail(FullHttpResponse response, ExchangeLog log) {
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        connection.respondAndClose(response, log);
    }

    /** HTTP/1 has no trailers after a cut response (a chunked one would read as complete): the connection closes. */
    @Override
    public void abort(ExchangeLog log, HttpHeaders trailers) {
        connection.proxy().exchangeEnded(log, connection);
        channel().close();
    }

    /** HTTP/1 has no way to say "not processed, send it again": the exchange answers 502. */
    @Override
    public boolean canRefuse() {
        return false;
    }

    /** Never called: see {@link #canRefuse}. */
    @Override
    public void refuse(ExchangeLog log) {
        throw new IllegalStateException("HTTP/1 cannot refuse a request");
    }

    /**
     * Writes without a promise of its own: a failed write to the client fires exceptionCaught, and
     * {@link ClientConnection} closes the connection, which aborts the exchange.
     */
    private void write(Object message) {
        Channel channel = channel();
        channel.write(message, channel.voidPromise());
    }

    @Override
    public Channel channel() {
        return connection.channel();
    }

    @Override
    public ClientConnection connection() {
        return connection;
    }
}
