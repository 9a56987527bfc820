package io.tandem.l7.proxy;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.util.ReferenceCountUtil;

/**
 * One stream of an HTTP/2 server connection ({@link Http2Upstreams}), the server side of one exchange. Netty's
 * {@link io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec} before it turns the exchange's HTTP objects
 * into frames and back (trailers included), so the exchange is the HTTP/1 one; what is HTTP/2's is here: the
 * stream's flow-control window as back-pressure both ways, a response that ends in its HEADERS handed on as a
 * head and an empty end (as an HTTP/1 response decodes), and RST_STREAM where HTTP/1 closes the connection.
 */
final class Http2UpstreamStream extends ChannelUpstream {
    private final Runnable onClosed;
    private boolean closed;

    /** {@code onClosed} runs once the stream has closed, whoever closed it. */
    Http2UpstreamStream(Runnable onClosed) {
        this.onClosed = onClosed;
    }

    /**
     * The request head says {@code te: trailers}: the proxy passes trailers on both ways, and gRPC servers look for
     * it (HTTP/2 lets no other TE through).
     */
    @Override
    public void send(Object message) {
        if (message instanceof HttpRequest request) {
            request.headers().set(HttpHeaderNames.TE, HttpHeaderValues.TRAILERS);
        }
        super.send(message);
    }

    /**
     * The stream is done with: when both sides ended it is closed already; otherwise (the server answered before
     * the request ended) closing resets it with CANCEL. The connection carries on with its other streams.
     */
    @Override
    public void release(boolean requestComplete) {
        discard();
    }

    /** Never called: a server cannot switch protocols on an HTTP/2 stream, so the exchange sees no 101. */
    @Override
    public void toTunnel(UpstreamListener tunnel) {
        throw new IllegalStateException("an HTTP/2 stream never switches protocols");
    }

    /** Never called: see {@link #toTunnel}. */
    @Override
    public void closeAfterFlush() {
        throw new IllegalStateException("an HTTP/2 stream never carries a tunnel");
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        UpstreamListener listener = owner;
        if (listener == null) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof FullHttpResponse full) {
            HttpResponse head = new DefaultHttpResponse(full.protocolVersion(), full.status(), full.headers());
            readHead(head);
            listener.onUpstreamMessage(head);
            if (owner == listener) {
                listener.onUpstreamMessage(new DefaultLastHttpContent(full.content(), full.trailingHeaders()));
            } else {
                full.release();
            }
        } else {
            if (msg instanceof HttpResponse head) {
                readHead(head);
            }
            listener.onUpstreamMessage(msg);
        }
    }

    /**
     * What the codec adds for HTTP/1 readers goes: its stream-id header, and the chunked coding it marks a body of
     * unknown length with (the client's side frames the body for the client's protocol).
     */
    private static void readHead(HttpResponse head) {
        HttpHeaders headers = head.headers();
        headers.remove(HttpConversionUtil.ExtensionHeaderNames.STREAM_ID.text());
        headers.remove(HttpHeaderNames.TRANSFER_ENCODING);
    }

    /**
     * The server did not process the stream: it reset it with REFUSED_STREAM, or its GOAWAY's last stream id is
     * below this one's (Netty tells only those streams). The exchange hears {@link RefusedStream} before the stream
     * closes, and may send the request elsewhere.
     */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        boolean refused = evt instanceof Http2GoAwayFrame
                || evt instanceof Http2ResetFrame reset && reset.errorCode() == Http2Error.REFUSED_STREAM.code();
        ReferenceCountUtil.release(evt);
        UpstreamListener listener = owner;
        if (refused && listener != null) {
            owner = null;
            listener.onUpstreamClosed(RefusedStream.INSTANCE);
        }
    }

    /** Reset by the server, or its connection gone: an exchange still holding the stream hears it closed. */
    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        UpstreamListener listener = owner;
        owner = null;
        ended();
        if (listener != null) {
            listener.onUpstreamClosed(null);
        }
    }

    /** Runs the close action once, whether the stream closed or never opened. */
    void ended() {
        if (!closed) {
            closed = true;
            onClosed.run();
        }
    }
}
