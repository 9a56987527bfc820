package io.tandem.l7.proxy;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.util.ReferenceCountUtil;
import io.tandem.core.balance.Server;
import io.tandem.core.balance.ServerPool;
import io.tandem.core.net.InactivityTimer;

import java.net.InetSocketAddress;

/**
 * One HTTP/2 stream of an {@link Http2Connection}, the client side of its one {@link Exchange}. Netty's
 * {@link io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec} before it turns frames into HTTP objects
 * and back (trailers included), so the exchange is the HTTP/1 one; what is HTTP/2's is here: no connection headers
 * and no upgrade, the stream's flow-control window as back-pressure, and RST_STREAM where HTTP/1 closes.
 */
final class Http2Stream extends ChannelInboundHandlerAdapter implements Downstream {
    /** How the request line reads in the access log; HTTP/1.1 servers get HTTP/1.1 (see Upstreams.adaptRequest). */
    private static final HttpVersion HTTP_2 = HttpVersion.valueOf("HTTP/2.0");

    private final Http2Connection connection;
    private final Http2StreamChannel channel;
    private final InactivityTimer clientTimer;
    private final InactivityTimer serverTimer;
    private FrontendRuntime frontend;
    private boolean first;
    private Exchange exchange;
    private boolean hasBody;
    private boolean requestEnded;
    private boolean informational;
    private boolean ended;
    private HttpResponse heldHead;

    Http2Stream(Http2Connection connection, Http2StreamChannel channel) {
        this.connection = connection;
        this.channel = channel;
        this.clientTimer = new InactivityTimer(channel.eventLoop(), () -> exchange.onClientTimeout());
        this.serverTimer = new InactivityTimer(channel.eventLoop(), () -> exchange.onServerTimeout());
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest request && exchange == null) {
            frontend = connection.streamOpened();
            first = connection.firstStream();
            start(request);
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
            hasBody = true;
        }
        exchange = new Exchange(this, connection.proxy().upstreams(), head);
        exchange.start();
        if (end != null) {
            requestEnded = true;
            exchange.onRequestContent(end);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (exchange != null) {
            exchange.onClientReadComplete();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (exchange != null) {
            exchange.onClientWritabilityChanged(channel.isWritable());
        }
        ctx.fireChannelWritabilityChanged();
    }

    /** The stream closed: reset by the client, or its connection gone; an exchange still running is aborted. */
    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        clientTimer.stop();
        serverTimer.stop();
        if (exchange != null) {
            exchange.onClientClosed();
            streamEnded();
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
    public FrontendRuntime frontend() {
        return frontend;
    }

    @Override
    public InetSocketAddress peer() {
        return connection.peer();
    }

    @Override
    public io.tandem.l7.tls.TlsSession tls() {
        return connection.tls();
    }

    @Override
    public boolean firstRequest() {
        return first;
    }

    @Override
    public EventLoop eventLoop() {
        return channel.eventLoop();
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
        return hasBody;
    }

    /**
     * HTTP/2 has no connection headers (the codec refuses them) and no Upgrade; what goes is the codec's own
     * extension headers (stream id, scheme), which are not the client's.
     */
    @Override
    public String takeConnectionHeaders(HttpRequest request) {
        HttpHeaders headers = request.headers();
        for (HttpConversionUtil.ExtensionHeaderNames name : HttpConversionUtil.ExtensionHeaderNames.values()) {
            headers.remove(name.text());
        }
        HopByHop.strip(headers);
        return null;
    }

    /** Paused, the stream's received bytes are not given back to its window: the client stops sending. */
    @Override
    public void readRequestBody(boolean read) {
        channel.config().setAutoRead(read);
    }

    /** False while the stream's (or the connection's) flow-control window, or its buffer, is full. */
    @Override
    public boolean isWritable() {
        return channel.isWritable();
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

    /** Never called: {@link #takeConnectionHeaders} asks for no upgrade, so a 101 is refused by the exchange. */
    @Override
    public void switchProtocols(HttpResponse response, UpstreamConnection upstream, ServerPool pool, Server server,
                                ExchangeLog log, long tunnelTimeoutMillis) {
        throw new IllegalStateException("an HTTP/2 stream never asks to switch protocols");
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
        if (requestEnded) {
            channel.flush();
        } else {
            channel.write(new DefaultHttp2ResetFrame(Http2Error.NO_ERROR));
            channel.flush();
        }
        streamEnded();
    }
}
