package io.tandem.l4;

import io.tandem.core.net.EpollInterestPin;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.epoll.AbstractEpollStreamChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.unix.Socket;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolException;
import io.netty.util.ReferenceCountUtil;
import io.tandem.core.balance.Server;
import io.tandem.core.balance.ServerPool;
import io.tandem.core.config.Timeouts;
import io.tandem.core.net.InactivityTimer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Set;

/**
 * One proxied TCP connection: the client's channel, a slot on a server taken from the pool, the server connection
 * opened on the client's event loop, and the bytes relayed both ways. Everything here runs on that one loop.
 *
 * <p>Life of a session: (accept-proxy: read the PROXY header, within {@code timeout client}) → take a server slot
 * ({@code timeout queue} when every server is at its {@code maxconn}) → connect ({@code timeout connect}; on
 * failure up to {@value #RETRIES} more attempts, each on a server not tried yet) → send the PROXY header if the
 * service has {@code send-proxy} → relay. While relaying, a side that is not writable pauses reads on the other
 * ({@code channelWritabilityChanged} → {@code autoRead}); a side that shuts down its output has the other side's
 * output shut down once what it sent is written (half-close), and the session ends when both directions are
 * done or either side closes. The inactivity limit while relaying is {@code timeout tunnel} over both
 * directions (HAProxy's rule once a TCP connection is established); before the server is connected, only the
 * PROXY-header wait has one ({@code timeout client}).
 *
 * <p>Relay: pooled buffers through the pipelines, so bytes are counted and the inactivity timer sees every read
 * (about 360 MiB/s each way at once through one connection on a loaded 2-core machine, with paranoid leak
 * detection). With {@link #SPLICE} on epoll the bytes go socket → pipe → socket in the kernel instead
 * ({@code splice(2)}); see {@link Splicer} for why that is off.
 */
final class TcpSession implements ServerPool.AcquireCallback {
    /**
     * Connect attempts after the first one, each to a server not tried yet (services have no {@code retries} key;
     * 3 is HAProxy's and Tandem's {@code defaults.retries} default).
     */
    static final int RETRIES = 3;
    /** Relay with {@code splice(2)} where both channels are epoll; off by default, see {@link Splicer}. */
    static final boolean SPLICE = Boolean.getBoolean("tandem.l4.splice");
    /** Client bytes held before the server is connected, beyond which reading the client pauses until it is. */
    static final int EARLY_LIMIT = 64 * 1024;

    private final TcpService tcp;
    private final ServiceRuntime service;
    private final Channel client;
    private final InactivityTimer idle;
    /** Servers whose connect failed; allocated on the first failure (null: none). */
    private Set<Server> tried;
    /** Client bytes read before the server is connected; allocated when needed. */
    private ArrayDeque<ByteBuf> early;
    private int earlyBytes;

    private InetSocketAddress clientAddress;
    private InetSocketAddress destination;
    private ServerPool.Waiting waiting = ServerPool.Waiting.DONE;
    private Server server;
    private L4Counters serverCounters;
    private Channel upstream;
    private boolean connected;
    private boolean clientInputDone;
    private boolean serverInputDone;
    private boolean closing;
    private boolean badHeaderLogged;

    TcpSession(TcpService tcp, Channel client) {
        this.tcp = tcp;
        this.service = tcp.service();
        this.client = client;
        this.idle = new InactivityTimer(client.eventLoop(), this::onInactive);
    }

    /** The handler for the client's pipeline (after the PROXY decoder on accept-proxy listens). */
    ChannelInboundHandlerAdapter clientHandler() {
        return new ClientSide();
    }

    Channel client() {
        return client;
    }

    // ---- setting up ------------------------------------------------------------------------------------------

    private void clientActive(ChannelHandlerContext ctx) {
        clientAddress = (InetSocketAddress) client.remoteAddress();
        destination = (InetSocketAddress) client.localAddress();
        if (tcp.acceptProxy()) {
            idle.start(service.timeouts().client().toMillis());
            // Auto-read is off: the decoder asks for more itself until the header is complete.
            ctx.read();
        } else {
            pickServer();
        }
    }

    private void onProxyHeader(HAProxyMessage header) {
        try {
            // LOCAL (a peer's own health check) and UNKNOWN keep the connection's real addresses, as HAProxy does.
            if (header.command() == HAProxyCommand.PROXY && header.sourceAddress() != null) {
                clientAddress = new InetSocketAddress(header.sourceAddress(), header.sourcePort());
                if (header.destinationAddress() != null) {
                    destination = new InetSocketAddress(header.destinationAddress(), header.destinationPort());
                }
            }
        } finally {
            header.release();
        }
        idle.cancel();
        pickServer();
    }

    private void pickServer() {
        if (closing) {
            return;
        }
        waiting = service.pool().acquire(service.hashKey(clientAddress), tried, client.eventLoop(),
                service.timeouts().queue(), this);
    }

    @Override
    public void onAcquired(Server acquired) {
        waiting = ServerPool.Waiting.DONE;
        if (closing) {
            service.pool().release(acquired);
            return;
        }
        server = acquired;
        serverCounters = service.counters(acquired);
        connect();
    }

    @Override
    public void onQueueTimeout() {
        waiting = ServerPool.Waiting.DONE;
        close();
    }

    @Override
    public void onNoServer() {
        waiting = ServerPool.Waiting.DONE;
        close();
    }

    private void connect() {
        Timeouts timeouts = service.timeouts();
        int connectTimeout = (int) Math.min(Integer.MAX_VALUE, Math.max(1, timeouts.connect().toMillis()));
        Server target = server;
        // The channel is built, registered and connected directly rather than through a Bootstrap per connection
        // (options map, resolver lookup and a listener per step): the same options, fewer allocations.
        Channel channel = tcp.newUpstreamChannel(target.socketAddress(), connectTimeout);
        channel.pipeline().addLast("tcp-server", new ServerSide());
        // Before registration this only records the flags, so the fd is added to epoll with them. EPOLLIN from the
        // start: Netty re-submits the interest set when the connect completes, and reading then starts without one
        // more EPOLL_CTL_MOD (auto-read is off until onConnected, which runs before any read event is handled).
        EpollInterestPin.pinReading(channel);
        upstream = channel;
        ChannelFuture registered = client.eventLoop().register(channel);
        if (registered.isDone()) {
            connectRegistered(channel, registered, target, connectTimeout);
        } else {
            registered.addListener((ChannelFuture f) -> connectRegistered(channel, f, target, connectTimeout));
        }
    }

    private void connectRegistered(Channel channel, ChannelFuture registered, Server target, int connectTimeout) {
        if (!registered.isSuccess()) {
            channel.unsafe().closeForcibly();
            connectDone(channel, registered, target, connectTimeout);
            return;
        }
        channel.connect(target.socketAddress())
                .addListener((ChannelFuture f) -> connectDone(channel, f, target, connectTimeout));
    }

    private void connectDone(Channel channel, ChannelFuture f, Server target, int connectTimeout) {
        if (channel != upstream) {
            return;
        }
        if (f.isSuccess()) {
            onConnected();
        } else {
            onConnectFailed(target, f.cause(), connectTimeout);
        }
    }

    private void onConnectFailed(Server target, Throwable cause, long connectTimeoutMillis) {
        upstream = null;
        service.counters().connectError();
        serverCounters.connectError();
        service.connectFailures().failed(target, cause, connectTimeoutMillis);
        releaseServer();
        if (closing) {
            return;
        }
        if (tried == null) {
            tried = new HashSet<>();
        }
        tried.add(target);
        if (tried.size() > RETRIES) {
            close();
        } else {
            pickServer();
        }
    }

    private void onConnected() {
        if (closing) {
            upstream.close();
            return;
        }
        connected = true;
        serverCounters.opened();
        // Both channels are pinned already: the client by TcpService's acceptor, the server before registration.
        if (service.config().sendProxy() > 0) {
            upstream.pipeline().addFirst(HAProxyMessageEncoder.INSTANCE);
            upstream.write(ProxyHeaders.tcp(service.config().sendProxy(), clientAddress, destination));
            upstream.pipeline().remove(HAProxyMessageEncoder.INSTANCE);
        }
        if (early != null) {
            ByteBuf bytes;
            while ((bytes = early.poll()) != null) {
                serverCounters.addBytesIn(bytes.readableBytes());
                upstream.write(bytes);
            }
            earlyBytes = 0;
        }
        upstream.flush();
        idle.start(relayTimeoutMillis());
        if (clientInputDone) {
            shutdownOutput(upstream);
        }
        if (SPLICE && upstream instanceof AbstractEpollStreamChannel && client instanceof AbstractEpollStreamChannel) {
            new Splicer(this, (AbstractEpollStreamChannel) client, (AbstractEpollStreamChannel) upstream).start();
            return;
        }
        if (!clientInputDone && !client.config().isAutoRead()) {
            client.config().setAutoRead(true);
        }
        upstream.config().setAutoRead(true);
    }

    /** {@code timeout tunnel}; when a config sets none at all, the longer of {@code client} and {@code server}. */
    private long relayTimeoutMillis() {
        Timeouts t = service.timeouts();
        if (t.tunnel() != null) {
            return t.tunnel().toMillis();
        }
        return Math.max(t.client().toMillis(), t.server().toMillis());
    }

    // ---- relaying --------------------------------------------------------------------------------------------

    private void fromClient(ByteBuf bytes) {
        if (closing) {
            bytes.release();
            return;
        }
        idle.touch();
        int n = bytes.readableBytes();
        service.counters().addBytesIn(n);
        if (!connected) {
            // Read before the server is connected (or in the same read as the PROXY header): held, up to a bound,
            // and sent once connected (after the PROXY header if any).
            if (early == null) {
                early = new ArrayDeque<>();
            }
            early.add(bytes);
            earlyBytes += n;
            if (earlyBytes >= EARLY_LIMIT) {
                client.config().setAutoRead(false);
            }
            return;
        }
        serverCounters.addBytesIn(n);
        upstream.write(bytes);
        if (!upstream.isWritable()) {
            client.config().setAutoRead(false);
        }
    }

    private void fromServer(ByteBuf bytes) {
        if (closing) {
            bytes.release();
            return;
        }
        idle.touch();
        int n = bytes.readableBytes();
        service.counters().addBytesOut(n);
        serverCounters.addBytesOut(n);
        client.write(bytes);
        if (!client.isWritable()) {
            upstream.config().setAutoRead(false);
        }
    }

    void countSpliced(boolean fromClient, long n) {
        idle.touch();
        if (fromClient) {
            service.counters().addBytesIn(n);
            serverCounters.addBytesIn(n);
        } else {
            service.counters().addBytesOut(n);
            serverCounters.addBytesOut(n);
        }
    }

    private void clientInputEnded() {
        if (clientInputDone) {
            return;
        }
        clientInputDone = true;
        client.config().setAutoRead(false);
        if (!connected) {
            // The server's output is shut down once connected, after the early bytes.
            return;
        }
        if (serverInputDone) {
            // Both directions are done: closing sends the FIN after what is queued, no separate shutdown.
            close();
        } else {
            shutdownOutput(upstream);
        }
    }

    private void serverInputEnded() {
        if (serverInputDone) {
            return;
        }
        serverInputDone = true;
        upstream.config().setAutoRead(false);
        if (clientInputDone) {
            close();
        } else {
            shutdownOutput(client);
        }
    }

    void inputEnded(boolean clientSide) {
        if (clientSide) {
            clientInputEnded();
        } else {
            serverInputEnded();
        }
    }

    /** Shuts down {@code channel}'s output once everything written to it so far has been sent. */
    private static void shutdownOutput(Channel channel) {
        if (nothingQueued(channel)) {
            shutdownOutputNow(channel);
        } else {
            channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFuture f) -> {
                if (f.isSuccess()) {
                    shutdownOutputNow(channel);
                }
            });
        }
    }

    private static void shutdownOutputNow(Channel channel) {
        DuplexChannel duplex = (DuplexChannel) channel;
        if (!channel.isActive() || duplex.isOutputShutdown()) {
            return;
        }
        if (!sendFin(channel)) {
            duplex.shutdownOutput(channel.voidPromise());
        }
        // Nothing can be written to this channel any more, so its peer's EOF now ends the session: let the channel
        // close on it instead of shutting its input down (SHUT_RD after EOF costs an exception in Netty's epoll
        // transport when the peer has already closed); the session sees the close and ends both sides.
        channel.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, false);
    }

    /**
     * Shuts an epoll channel's output down through its socket when nothing is queued for it. The socket records the
     * shutdown (the channel's {@code isOutputShutdown()} reads it there), and Netty's own {@code shutdownOutput}
     * would also build an exception with its stack trace to fail the empty outbound buffer: once per connection,
     * ~2% of a short connection's CPU (bench/l4.sh). False when the channel is not epoll or has bytes queued.
     */
    private static boolean sendFin(Channel channel) {
        if (channel instanceof AbstractEpollStreamChannel epoll && epoll.fd() instanceof Socket socket
                && nothingQueued(channel)) {
            try {
                socket.shutdown(false, true);
                return true;
            } catch (IOException e) {
                return false;
            }
        }
        return false;
    }

    /** True when nothing is queued for {@code channel}, or nothing more can be written to it. */
    private static boolean nothingQueued(Channel channel) {
        ChannelOutboundBuffer out = channel.unsafe().outboundBuffer();
        return out == null || out.totalPendingWriteBytes() == 0 && out.size() == 0;
    }

    /** Closes {@code channel} once what is queued for it is written (at once when nothing is or can be). */
    private static void closeWhenFlushed(Channel channel) {
        if (nothingQueued(channel) || !channel.isActive()
                || channel instanceof DuplexChannel duplex && duplex.isOutputShutdown()) {
            channel.close();
        } else {
            channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }

    // ---- ending ----------------------------------------------------------------------------------------------

    private void onInactive() {
        if (closing) {
            // Still flushing to a peer that does not read: give up.
            client.close();
            if (upstream != null) {
                upstream.close();
            }
            return;
        }
        close();
        // A peer that never reads what is still queued gets one more period, then a hard close.
        idle.start(relayTimeoutMillis());
    }

    /** Ends the session: what is queued for either side is still written, then both close. */
    void close() {
        if (closing) {
            return;
        }
        closing = true;
        waiting.cancel();
        if (early != null) {
            ByteBuf bytes;
            while ((bytes = early.poll()) != null) {
                bytes.release();
            }
        }
        releaseServer();
        if (upstream != null) {
            closeWhenFlushed(upstream);
        }
        closeWhenFlushed(client);
    }

    /** Closes both channels at once (listener shutdown), dropping what is queued. */
    void abort() {
        close();
        idle.stop();
        client.close();
        if (upstream != null) {
            upstream.close();
        }
    }

    private void releaseServer() {
        if (server != null) {
            Server held = server;
            server = null;
            if (connected) {
                connected = false;
                serverCounters.closed();
            }
            service.pool().release(held);
        }
    }

    private void clientClosed() {
        idle.stop();
        close();
        tcp.sessionEnded(this);
    }

    // ---- the two pipelines' ends -----------------------------------------------------------------------------

    /** The client's end: PROXY header, bytes, half-close, writability. */
    private final class ClientSide extends ChannelInboundHandlerAdapter {
        @Override
        public boolean isSharable() {
            return false; // one per channel; answers without the adapter's per-thread annotation cache
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            tcp.sessionStarted(TcpSession.this);
            clientActive(ctx);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            clientClosed();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof ByteBuf bytes) {
                fromClient(bytes);
            } else if (msg instanceof HAProxyMessage header) {
                onProxyHeader(header);
            } else {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (connected) {
                upstream.flush();
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            if (event instanceof ChannelInputShutdownEvent) {
                clientInputEnded();
            }
            ReferenceCountUtil.release(event);
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (connected && !serverInputDone) {
                upstream.config().setAutoRead(client.isWritable());
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            boolean badHeader = cause instanceof HAProxyProtocolException
                    || cause instanceof DecoderException && cause.getCause() instanceof HAProxyProtocolException;
            // The decoder may report one bad header twice (on decode and when the channel closes): one line.
            if (badHeader && !badHeaderLogged) {
                badHeaderLogged = true;
                tcp.warnBadProxyHeader(ctx.channel().remoteAddress());
            }
            // Resets and broken pipes are how clients leave; nothing to log per connection.
            abort();
        }
    }

    /** The server's end: bytes, half-close, writability. */
    private final class ServerSide extends ChannelInboundHandlerAdapter {
        @Override
        public boolean isSharable() {
            return false; // one per channel; answers without the adapter's per-thread annotation cache
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof ByteBuf bytes && connected) {
                fromServer(bytes);
            } else {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            client.flush();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            if (event instanceof ChannelInputShutdownEvent && connected) {
                serverInputEnded();
            }
            ReferenceCountUtil.release(event);
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (connected && !clientInputDone) {
                client.config().setAutoRead(ctx.channel().isWritable());
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (ctx.channel() == upstream && connected) {
                close();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (ctx.channel() == upstream && connected) {
                abort();
            } else {
                ctx.close();
            }
        }
    }
}
