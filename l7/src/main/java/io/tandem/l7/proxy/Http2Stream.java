package io.tandem.l7.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.util.ReferenceCountUtil;
import io.tandem.core.balance.Server;
import io.tandem.core.balance.ServerPool;
import io.tandem.core.net.InactivityTimer;

import java.util.ArrayDeque;
import java.util.Base64;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One HTTP/2 stream of an {@link Http2Connection}, the client side of its one {@link Exchange}. Netty's
 * {@link io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec} before it turns frames into HTTP objects
 * and back (trailers included), so the exchange is the HTTP/1 one; what is HTTP/2's is here: no connection headers,
 * the stream's flow-control window as back-pressure, RST_STREAM where HTTP/1 closes, and the extended CONNECT of
 * RFC 8441 ({@link ExtendedConnect}), HTTP/2's WebSocket handshake: the exchange sees the HTTP/1.1 upgrade it stands
 * for, and once the server switched protocols the stream's DATA frames carry the {@link Tunnel}'s bytes.
 */
final class Http2Stream extends ClientChannelHandler implements ChannelDownstream {
    /** How the request line reads in the access log; HTTP/1.1 servers get HTTP/1.1 (see Upstreams.adaptRequest). */
    private static final HttpVersion HTTP_2 = HttpVersion.valueOf("HTTP/2.0");

    private final Http2Connection connection;
    private final Http2StreamChannel channel;
    private FrontendRuntime frontend;
    private boolean first;
    private boolean hasBody;
    private boolean requestEnded;
    private boolean informational;
    private boolean ended;
    private HttpResponse heldHead;
    /** The {@code :protocol} of an extended CONNECT, or null for any other request. */
    private String upgrade;
    /** What the client sent after an extended CONNECT before its tunnel opened: the tunnel's first bytes. */
    private ArrayDeque<HttpContent> early;

    Http2Stream(Http2Connection connection, Http2StreamChannel channel) {
        this.connection = connection;
        this.channel = channel;
        addExchangeTimers(new InactivityTimer.Group(channel.eventLoop(), 2));
    }

    /** The handlers of a new stream: extended CONNECT, then the codec, then this. */
    static void install(Http2Connection connection, Http2StreamChannel channel) {
        Http2Stream stream = new Http2Stream(connection, channel);
        channel.pipeline().addLast(stream.new ExtendedConnect(), new Http2StreamFrameToHttpObjectCodec(true), stream);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest request && exchange == null) {
            frontend = connection.streamOpened();
            first = connection.firstStream();
            start(request);
        } else if (msg instanceof HttpContent content && tunnel != null) {
            toTunnel(content);
        } else if (msg instanceof HttpContent content && upgrade != null && exchange != null) {
            // Before the server switched protocols: held (and reading paused) until the tunnel opens or the exchange
            // ends without one.
            requestEnded |= content instanceof LastHttpContent;
            if (early == null) {
                early = new ArrayDeque<>(2);
            }
            early.add(content);
            channel.config().setAutoRead(false);
        } else if (msg instanceof HttpContent content && exchange != null) {
            requestEnded |= content instanceof LastHttpContent;
            exchange.onRequestContent(content);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    /** A request whose HEADERS ended the stream comes whole: its head and its end go to the exchange apart. */
    private void start(HttpRequest request) {
        HttpRequest head = request;
        LastHttpContent end = null;
        if (request instanceof FullHttpRequest full) {
            head = new DefaultHttpRequest(HTTP_2, full.method(), full.uri(), full.headers());
            end = new DefaultLastHttpContent(full.content(), full.trailingHeaders());
            hasBody = full.content().isReadable();
        } else {
            head.setProtocolVersion(HTTP_2);
            hasBody = upgrade == null;
        }
        if (upgrade != null) {
            // As an HTTP/1 WebSocket handshake reads to the rules (the article's is_websocket: hdr(Upgrade)).
            head.headers().set(HttpHeaderNames.UPGRADE, upgrade);
        }
        exchange = new Exchange(this, connection.proxy().upstreams(), head);
        exchange.start();
        if (end != null) {
            requestEnded = true;
            exchange.onRequestContent(end);
        } else if (upgrade != null) {
            // An extended CONNECT is its head: what the client sends after it is the tunnel's, not a request body.
            exchange.onRequestContent(LastHttpContent.EMPTY_LAST_CONTENT);
        }
    }

    /** Client bytes into the open tunnel; the client's END_STREAM ends it as a TCP client's close does. */
    private void toTunnel(HttpContent content) {
        boolean last = content instanceof LastHttpContent;
        if (content.content().isReadable()) {
            tunnel.fromClient(content.content());
        } else {
            content.release();
        }
        if (last) {
            requestEnded = true;
            tunnel.onClientClosed();
        }
    }

    /** The stream closed: reset by the client, or its connection gone; an exchange still running is aborted. */
    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        stopExchangeTimers();
        releaseEarly();
        if (tunnel != null) {
            tunnel.onClientClosed();
        }
        if (exchange != null) {
            exchange.onClientClosed();
            streamEnded();
        }
    }

    private void releaseEarly() {
        HttpContent content;
        while (early != null && (content = early.poll()) != null) {
            content.release();
        }
    }

    /**
     * A request the codec could not make an HTTP request of (a {@code host} that differs from {@code :authority},
     * RFC 9113 §8.3.1, as Netty refuses it) is malformed: its stream is reset with PROTOCOL_ERROR (§8.1.1), not
     * CANCEL, which would say the server gave up. Any other error ends the stream and its exchange.
     */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable error = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (exchange == null && error instanceof Http2Exception.StreamException malformed) {
            ctx.writeAndFlush(new DefaultHttp2ResetFrame(malformed.error()));
        } else {
            ctx.close();
        }
    }

    private void streamEnded() {
        if (!ended) {
            ended = true;
            connection.streamClosed();
        }
    }

    @Override
    public Channel channel() {
        return channel;
    }

    @Override
    public Http2Connection connection() {
        return connection;
    }

    @Override
    public FrontendRuntime frontend() {
        return frontend;
    }

    @Override
    public boolean firstRequest() {
        return first;
    }

    @Override
    public boolean requestHasBody() {
        return hasBody;
    }

    /**
     * HTTP/2 has no connection headers (the codec refuses them) and no Upgrade but an extended CONNECT's; what goes
     * is the codec's own extension headers (stream id, scheme), which are not the client's. A WebSocket upgrade
     * gets the {@code Sec-WebSocket-Key} that HTTP/1.1 asks for and HTTP/2 does without (RFC 8441 §5): its answer
     * (the server's {@code Sec-WebSocket-Accept}) proves only that the server speaks WebSocket, so the key is a
     * nonce.
     */
    @Override
    public String takeConnectionHeaders(HttpRequest request) {
        HttpHeaders headers = request.headers();
        for (HttpConversionUtil.ExtensionHeaderNames name : HttpConversionUtil.ExtensionHeaderNames.values()) {
            headers.remove(name.text());
        }
        HopByHop.strip(headers);
        if ("websocket".equalsIgnoreCase(upgrade) && !headers.contains(HttpHeaderNames.SEC_WEBSOCKET_KEY)) {
            byte[] nonce = new byte[16];
            ThreadLocalRandom.current().nextBytes(nonce);
            headers.set(HttpHeaderNames.SEC_WEBSOCKET_KEY, Base64.getEncoder().encodeToString(nonce));
        }
        return upgrade;
    }

    /** The client of an extended CONNECT takes any 2xx for an open tunnel (RFC 8441 §5). */
    @Override
    public boolean upgradeNeedsSwitch() {
        return true;
    }

    /** The stream goes on until the request has ended: a body still arriving is read and dropped by the exchange. */
    @Override
    public boolean respond(FullHttpResponse response, ExchangeLog log) {
        log.bytesToClient = response.content().readableBytes();
        channel.write(response);
        return true;
    }

    /** 1xx heads go as HEADERS of their own: the codec takes them whole, so the parts are joined here. */
    @Override
    public void sendInterim(HttpObject part) {
        if (part instanceof HttpResponse head && !informational) {
            informational = !(part instanceof LastHttpContent);
            FullHttpResponse whole = new DefaultFullHttpResponse(head.protocolVersion(), head.status(),
                    io.netty.buffer.Unpooled.EMPTY_BUFFER, head.headers(),
                    io.netty.handler.codec.http.EmptyHttpHeaders.INSTANCE);
            ReferenceCountUtil.release(part);
            channel.write(whole);
        } else {
            informational &= !(part instanceof LastHttpContent);
            ReferenceCountUtil.release(part);
        }
    }

    /** Held until its first content or a flush: see {@link #sendContent}. */
    @Override
    public void sendHead(HttpResponse response, boolean requestComplete) {
        response.setProtocolVersion(HttpVersion.HTTP_1_1);
        heldHead = response;
    }

    /**
     * A head followed at once by an empty end goes as one HEADERS frame that ends the stream: a server's
     * trailers-only response (gRPC's answer without messages, {@code grpc-status} in its head) stays one, as gRPC
     * clients require.
     */
    @Override
    public void sendContent(HttpContent content) {
        HttpResponse head = heldHead;
        if (head != null) {
            heldHead = null;
            if (content instanceof LastHttpContent last && !last.content().isReadable()
                    && last.trailingHeaders().isEmpty()) {
                last.release();
                channel.write(new DefaultFullHttpResponse(head.protocolVersion(), head.status(),
                        io.netty.buffer.Unpooled.EMPTY_BUFFER, head.headers(),
                        io.netty.handler.codec.http.EmptyHttpHeaders.INSTANCE));
                return;
            }
            channel.write(head);
        }
        channel.write(content);
    }

    @Override
    public void flush() {
        if (heldHead != null) {
            channel.write(heldHead);
            heldHead = null;
        }
        channel.flush();
    }

    /**
     * The server switched protocols for an extended CONNECT: the client hears {@code 200} (RFC 8441 §5, with the
     * server's WebSocket subprotocol and extensions, without its HTTP/1.1-only headers), and the stream's DATA
     * frames carry the tunnel from now on. What the client sent early goes first, once the server connection has
     * left HTTP (on the next turn of the loop, as {@link UpstreamConnection#toTunnel} does).
     */
    @Override
    public void switchProtocols(HttpResponse response, UpstreamConnection upstream, ServerPool pool, Server server,
                                ExchangeLog log, long tunnelTimeoutMillis) {
        HttpHeaders headers = response.headers();
        headers.remove(HttpHeaderNames.UPGRADE);
        headers.remove(HttpHeaderNames.CONNECTION);
        headers.remove(HttpHeaderNames.SEC_WEBSOCKET_ACCEPT);
        log.status = HttpResponseStatus.OK.code();
        channel.write(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, headers));
        tunnel = new Tunnel(this, upstream, pool, server, log, tunnelTimeoutMillis);
        channel.flush();
        upstream.toTunnel(tunnel);
        channel.eventLoop().execute(() -> {
            HttpContent content;
            while (early != null && (content = early.poll()) != null) {
                toTunnel(content);
            }
            tunnel.onClientReadComplete();
            channel.config().setAutoRead(true);
        });
    }

    /** Tunnel bytes go to the client in DATA frames (the codec makes them of HTTP content). */
    @Override
    public Object toClient(ByteBuf bytes) {
        return new DefaultHttpContent(bytes);
    }

    /** END_STREAM, and RST_STREAM NO_ERROR when the client has not ended its side: nothing more is read of it. */
    @Override
    public void endTunnel() {
        endStream();
    }

    /** The response is sent; a request body still coming is stopped with RST_STREAM NO_ERROR (RFC 9113 §8.1). */
    @Override
    public void finish(ExchangeLog log, boolean requestComplete) {
        connection.proxy().exchangeEnded(log, connection);
        endStream();
    }

    @Override
    public void fail(FullHttpResponse response, ExchangeLog log) {
        log.bytesToClient = response.content().readableBytes();
        connection.proxy().exchangeEnded(log, connection);
        channel.write(response);
        endStream();
    }

    /**
     * Reset with CANCEL; with {@code trailers} (gRPC's status of a cut response) the stream ends with them instead,
     * after the head if it is still held, so that a gRPC client reads the status rather than a bare cancel.
     */
    @Override
    public void abort(ExchangeLog log, HttpHeaders trailers) {
        connection.proxy().exchangeEnded(log, connection);
        if (trailers == null) {
            heldHead = null;
            channel.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.CANCEL));
            streamEnded();
            return;
        }
        if (heldHead != null) {
            channel.write(heldHead);
            heldHead = null;
        }
        channel.write(new DefaultLastHttpContent(io.netty.buffer.Unpooled.EMPTY_BUFFER, trailers));
        endStream();
    }

    /** RST_STREAM REFUSED_STREAM: the client may send the request again, on this connection or another. */
    @Override
    public boolean canRefuse() {
        return true;
    }

    @Override
    public void refuse(ExchangeLog log) {
        connection.proxy().exchangeEnded(log, connection);
        channel.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.REFUSED_STREAM));
        streamEnded();
    }

    private void endStream() {
        if (tunnel != null) {
            channel.write(LastHttpContent.EMPTY_LAST_CONTENT);
        }
        if (requestEnded) {
            channel.flush();
        } else {
            channel.write(new DefaultHttp2ResetFrame(Http2Error.NO_ERROR));
            channel.flush();
        }
        streamEnded();
    }

    /**
     * Before the codec, which knows no {@code :protocol}: an extended CONNECT (RFC 8441 §4, {@code :method CONNECT}
     * with {@code :protocol}, which the connection's SETTINGS_ENABLE_CONNECT_PROTOCOL allows) becomes the GET of its
     * {@code :path} that the HTTP/1.1 upgrade it stands for is; the stream remembers the protocol. Leaves the pipeline
     * after the stream's first HEADERS.
     */
    private final class ExtendedConnect extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Http2HeadersFrame frame) {
                Http2Headers headers = frame.headers();
                CharSequence protocol = headers.get(Http2Headers.PseudoHeaderName.PROTOCOL.value());
                if (protocol != null && HttpMethod.CONNECT.asciiName().contentEquals(headers.method())) {
                    upgrade = protocol.toString();
                    headers.remove(Http2Headers.PseudoHeaderName.PROTOCOL.value());
                    headers.method(HttpMethod.GET.asciiName());
                }
                ctx.pipeline().remove(this);
            }
            ctx.fireChannelRead(msg);
        }
    }
}
