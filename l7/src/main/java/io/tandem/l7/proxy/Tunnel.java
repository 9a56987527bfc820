package io.tandem.l7.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.util.ReferenceCountUtil;
import io.tandem.core.balance.Server;
import io.tandem.core.balance.ServerPool;
import io.tandem.core.net.InactivityTimer;

/**
 * The bytes of an upgraded connection (WebSocket and other {@code 101 Switching Protocols}) relayed both ways
 * after the HTTP codecs left the server's pipeline, with back-pressure and the {@code timeout tunnel} inactivity
 * limit. The client side is an HTTP/1 connection, or an HTTP/2 stream opened by an extended CONNECT (RFC 8441)
 * whose DATA frames carry the bytes: see {@link Client}. The server slot stays taken until the tunnel closes, so
 * leastconn sees long-lived tunnels.
 */
final class Tunnel implements UpstreamListener {
    /** The client side of a tunnel, as the protocol that carried the upgrade request implements it. */
    interface Client {
        /** The channel the tunnel's bytes come in and go out on: the TCP connection, or the HTTP/2 stream. */
        Channel tunnelChannel();

        /** What carries {@code bytes} to the client on that channel. */
        Object toClient(ByteBuf bytes);

        /** Ends the client's side once what was written has gone: a close (HTTP/1), END_STREAM (HTTP/2). */
        void endTunnel();

        /** The tunnel is over: it is logged as the exchange it was. */
        void tunnelEnded(ExchangeLog log);
    }

    private final Client end;
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

    Tunnel(Client end, UpstreamConnection upstream, ServerPool pool, Server server, ExchangeLog log,
           long timeoutMillis) {
        this.end = end;
        this.client = end.tunnelChannel();
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
        client.write(end.toClient(bytes));
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
        end.endTunnel();
        end.tunnelEnded(log);
    }
}
