package io.tandem.l7.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.HttpContent;
import io.netty.util.ReferenceCountUtil;
import io.tandem.core.balance.Server;
import io.tandem.core.balance.ServerPool;
import io.tandem.core.net.InactivityTimer;

/**
 * The bytes of an upgraded connection (WebSocket and other {@code 101 Switching Protocols}) relayed both ways
 * after the HTTP codecs left both pipelines, with back-pressure and the {@code timeout tunnel} inactivity limit.
 * The server slot stays taken until the tunnel closes, so leastconn sees long-lived tunnels.
 */
final class Tunnel implements UpstreamListener {
    private final ClientConnection connection;
    private final Channel client;
    private final UpstreamConnection upstream;
    private final ServerPool pool;
    private final Server server;
    private final ExchangeLog log;
    private final InactivityTimer idle;
    private boolean closed;

    ExchangeLog log() {
        return log;
    }

    Tunnel(ClientConnection connection, UpstreamConnection upstream, ServerPool pool, Server server, ExchangeLog log,
           long timeoutMillis) {
        this.connection = connection;
        this.client = connection.channel();
        this.upstream = upstream;
        this.pool = pool;
        this.server = server;
        this.log = log;
        this.idle = new InactivityTimer(client.eventLoop(), () -> close(ExchangeLog.Cause.CLIENT_TIMEOUT));
        idle.start(timeoutMillis);
    }

    void fromClient(Object msg) {
        if (closed || !(msg instanceof ByteBuf)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        idle.touch();
        log.bytesFromClient += ((ByteBuf) msg).readableBytes();
        upstream.send(msg);
        if (!upstream.isWritable()) {
            client.config().setAutoRead(false);
        }
    }

    void onClientReadComplete() {
        upstream.flush();
    }

    void onClientWritabilityChanged(boolean writable) {
        upstream.readFromServer(writable);
    }

    void onClientClosed() {
        close(ExchangeLog.Cause.NORMAL);
    }

    @Override
    public void onUpstreamMessage(Object msg) {
        // Objects the HTTP codec decoded from the same read as the 101, before it left the pipeline, carry
        // tunnel bytes too.
        Object payload = msg instanceof HttpContent content ? content.content() : msg;
        if (closed || !(payload instanceof ByteBuf bytes)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        idle.touch();
        log.bytesToClient += bytes.readableBytes();
        client.write(bytes);
        if (!client.isWritable()) {
            upstream.readFromServer(false);
        }
    }

    @Override
    public void onUpstreamReadComplete() {
        client.flush();
    }

    @Override
    public void onUpstreamWritabilityChanged(boolean writable) {
        client.config().setAutoRead(writable);
    }

    @Override
    public void onUpstreamClosed(Throwable cause) {
        close(ExchangeLog.Cause.NORMAL);
    }

    @Override
    public void onUpstreamReady(UpstreamConnection connection, boolean reused) {
        throw new IllegalStateException("a tunnel never asks for a connection");
    }

    @Override
    public void onUpstreamConnectFailed(Throwable cause) {
        throw new IllegalStateException("a tunnel never asks for a connection");
    }

    /** Closes both sides once what is queued has been written, and logs the tunnel as one request. */
    private void close(ExchangeLog.Cause cause) {
        if (closed) {
            return;
        }
        closed = true;
        idle.cancel();
        pool.release(server);
        if (cause != ExchangeLog.Cause.NORMAL) {
            log.terminate(cause, ExchangeLog.Phase.DATA);
        }
        upstream.closeAfterFlush();
        client.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        connection.proxy().exchangeEnded(log, connection);
    }
}
