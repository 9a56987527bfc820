package io.tandem.l4;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoEvent;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.epoll.LinuxSocket;
import io.netty.channel.epoll.Native;
import io.netty.channel.unix.FileDescriptor;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.util.concurrent.Future;
import io.tandem.core.balance.Server;
import io.tandem.core.balance.ServerChoice;
import io.tandem.core.balance.ServerPool;
import io.tandem.core.config.Timeouts;
import io.tandem.core.metrics.TrafficCounters;
import io.tandem.core.net.InactivityTimer;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.NotYetConnectedException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One proxied TCP connection: the client's socket, a slot on a server taken from the pool, the server socket opened
 * on the client's event loop, and the bytes relayed both ways. Everything here runs on that one loop.
 *
 * <p>Life of a session: (accept-proxy: read the PROXY header, within {@code timeout client}) → take a server slot
 * ({@code timeout queue} when every server is at its {@code maxconn}) → connect ({@code timeout connect}; on
 * failure up to {@code retries} more attempts, chosen as L7 chooses them: {@link ServerChoice}) → send the PROXY header if the
 * service has {@code send-proxy} → relay. A side's end of input (its FIN) shuts down the other side's output once
 * what came before it is written (half-close); the session ends when both directions are done or either side
 * fails. The inactivity limit while relaying is {@code timeout tunnel} over both directions (HAProxy's rule once a
 * TCP connection is established).
 *
 * <p>The relay works on the two sockets directly, registered with the loop's epoll ({@link RegisteredSocket}),
 * not through Netty channels: a channel per socket costs a dozen system calls per connection that a relay does not
 * need (address lookups, buffer-size and linger queries, interest changes), which made up a quarter of a short
 * connection's CPU. Each socket is registered once, edge-triggered, for reading, writing and the peer's FIN, and
 * never modified: the session keeps the readiness epoll reported ({@link Side#readable}) and acts on it when it can.
 * Bytes are read into the loop's buffer and written straight to the other socket; only what that socket cannot take
 * now is copied aside, and the source is not read again until it is written (back-pressure through the kernel's
 * socket buffers, one read's worth per direction at most in the process).
 */
final class TcpSession implements ServerPool.AcquireCallback {
    private static final System.Logger LOG = System.getLogger(TcpSession.class.getName());
    /**
     * Bytes held aside (written to no socket yet) over all sessions, beyond which reads shrink to
     * {@value #SMALL_READ} bytes: a crowd of clients that do not read then holds at most that much each, instead of
     * a full read each, and cannot exhaust the direct memory the L7 tier needs too.
     */
    private static final long HELD_SOFT_LIMIT = 32L * 1024 * 1024;
    private static final int SMALL_READ = 16 * 1024;
    private static final AtomicLong HELD = new AtomicLong();
    /** Reads from one side in one turn before the loop serves its other connections. */
    private static final int READS_PER_TURN = 16;

    private static final int EPOLLIN = EpollIoOps.EPOLLIN.value();
    private static final int EPOLLOUT = EpollIoOps.EPOLLOUT.value();
    private static final int EPOLLERR = EpollIoOps.EPOLLERR.value();
    private static final int EPOLLRDHUP = EpollIoOps.EPOLLRDHUP.value();
    /** Linux's EPOLLHUP, which Netty's EpollIoOps does not name. */
    private static final int EPOLLHUP = 0x010;
    /** Every socket's one interest set, for its whole life. */
    private static final EpollIoOps INTEREST = EpollIoOps.EPOLLIN.with(EpollIoOps.EPOLLOUT)
            .with(EpollIoOps.EPOLLRDHUP).with(EpollIoOps.EPOLLET);

    private final TcpService tcp;
    private final ServiceRuntime service;
    private final IoEventLoop loop;
    private final RelayLoop relay;
    private final InactivityTimer idle;
    private final Side client;
    private final Runnable resume = this::resume;
    /** The listen address when it names one; else the client's destination is asked of the socket when needed. */
    private InetSocketAddress destination;
    private InetSocketAddress clientAddress;
    /** accept-proxy: reads the header until it is complete (null otherwise, and after). */
    private ProxyHeaderReader headerReader;
    /** Client bytes that came after the PROXY header, sent once the server is connected. */
    private ByteBuf early;
    private final ServerChoice choice;
    private Server server;
    private L4Counters serverCounters;
    private Side upstream;
    private long connectTimeoutMillis;
    private boolean connected;
    private boolean closing;
    private boolean ended;

    TcpSession(TcpService tcp, IoEventLoop loop, LinuxSocket socket, InetSocketAddress clientAddress,
            InetSocketAddress destination) {
        this.tcp = tcp;
        this.service = tcp.service();
        this.loop = loop;
        this.relay = RelayLoop.current();
        this.client = new Side(socket);
        this.clientAddress = clientAddress;
        this.destination = destination;
        this.idle = new InactivityTimer(loop, this::onInactive);
        this.choice = new ServerChoice(service.pool(), service.config().retries(), loop, service.timeouts().queue(),
                this);
    }

    IoEventLoop loop() {
        return loop;
    }

    // ---- setting up ------------------------------------------------------------------------------------------

    /** Registers the client's socket and starts the session; on the session's loop. */
    void start() {
        if (!register(client)) {
            abort();
            return;
        }
        if (tcp.acceptProxy()) {
            headerReader = new ProxyHeaderReader();
            idle.start(service.timeouts().client().toMillis());
        } else {
            pickServer();
        }
    }

    private boolean register(Side side) {
        Future<IoRegistration> registered = loop.register(side);
        if (!registered.isSuccess()) {
            return false;
        }
        side.registration = registered.getNow();
        try {
            side.registration.submit(INTEREST);
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Reads the client until its PROXY header is complete (then picks the server) or the socket is drained. */
    private void readProxyHeader() {
        ByteBuffer buffer = relay.buffer();
        boolean complete = false;
        while (!complete) {
            int n = read(client, buffer, RelayLoop.CHUNK);
            if (n == 0 || n == ABORTED) {
                return;
            }
            if (n < 0) {
                // The client left before its header was complete.
                abort();
                return;
            }
            ByteBuf bytes = ByteBufAllocator.DEFAULT.heapBuffer(n);
            bytes.writeBytes(buffer.duplicate().position(0).limit(n));
            try {
                complete = headerReader.offer(bytes);
            } catch (RuntimeException e) {
                tcp.warnBadProxyHeader(clientAddress);
                abort();
                return;
            }
            if (n < RelayLoop.CHUNK) {
                if (!complete && client.peerShut) {
                    // The client sent its FIN before the header was complete.
                    abort();
                    return;
                }
                // Drained, unless a FIN is still to be read.
                client.readable = client.peerShut;
                if (!complete) {
                    return;
                }
            }
        }
        HAProxyMessage header = headerReader.header();
        early = headerReader.rest();
        service.counters().addBytesIn(early.readableBytes());
        headerReader.discard();
        headerReader = null;
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
        choice.start(service.hashKey(clientAddress));
    }

    @Override
    public void onAcquired(Server acquired) {
        if (closing) {
            service.pool().release(acquired);
            return;
        }
        server = acquired;
        serverCounters = service.counters(acquired);
        Server failed = choice.lastFailed();
        if (failed != null) {
            TrafficCounters.retried(service.counters(), service.counters(failed), failed == acquired);
        }
        if (failed != acquired) {
            // As HAProxy's lbtot: a retry that the balancer sends back to the server that failed is no new pick.
            service.counters().balancedOnce();
            serverCounters.balancedOnce();
        }
        connect();
    }

    @Override
    public void onQueueTimeout() {
        close();
    }

    @Override
    public void onNoServer() {
        close();
    }

    private void connect() {
        Timeouts timeouts = service.timeouts();
        connectTimeoutMillis = Math.max(1, timeouts.connect().toMillis());
        InetSocketAddress target = server.socketAddress();
        LinuxSocket socket;
        try {
            // An IPv4 server gets an IPv4 socket, not a dual-stack IPv6 one.
            socket = LinuxSocket.newSocketStream(target.getAddress() instanceof Inet6Address);
        } catch (RuntimeException e) {
            onConnectFailed(server, e);
            return;
        }
        Side side = new Side(socket);
        upstream = side;
        try {
            socket.setTcpNoDelay(true);
            if (!register(side)) {
                throw new IOException("cannot register the server socket with epoll");
            }
            idle.start(connectTimeoutMillis);
            if (socket.connect(target)) {
                onConnected();
            }
            // Otherwise epoll reports the outcome (EPOLLOUT, or EPOLLERR/EPOLLHUP); the idle timer bounds the wait.
        } catch (IOException | RuntimeException e) {
            onConnectFailed(server, e);
        }
    }

    private void connectEvent(int ops) {
        if ((ops & (EPOLLERR | EPOLLHUP)) != 0) {
            try {
                upstream.socket.finishConnect();
                onConnectFailed(server, new IOException("connection closed while connecting"));
            } catch (IOException e) {
                onConnectFailed(server, e);
            }
        } else if ((ops & EPOLLOUT) != 0) {
            onConnected();
        }
    }

    private void onConnectFailed(Server target, Throwable cause) {
        if (upstream != null) {
            closeSide(upstream);
            upstream = null;
        }
        service.counters().connectError();
        serverCounters.connectError();
        service.connectFailures().failed(target, cause, connectTimeoutMillis);
        releaseServer();
        if (closing) {
            return;
        }
        idle.cancel();
        if (choice.canRetry()) {
            // Counted once the next attempt has its server: a retry if it is this one again, else a redispatch.
            choice.retry(target);
        } else {
            close();
        }
    }

    private void onConnected() {
        connected = true;
        serverCounters.opened();
        idle.start(relayTimeoutMillis());
        ByteBuf first = null;
        if (service.config().sendProxy() > 0) {
            first = ProxyHeaders.tcp(service.config().sendProxy(), clientAddress, destination());
        }
        if (early != null) {
            serverCounters.addBytesIn(early.readableBytes());
            first = first == null ? early : ByteBufAllocator.DEFAULT.compositeBuffer(2)
                    .addComponent(true, first).addComponent(true, early);
            early = null;
        }
        if (first != null) {
            send(upstream, first);
            if (closing) {
                return;
            }
        }
        relay(client);
        // The server may have spoken first, in the same event that reported the connect.
        relay(upstream);
    }

    private InetSocketAddress destination() {
        if (destination == null) {
            destination = client.socket.localAddress();
        }
        return destination;
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

    private void onEvent(Side side, int ops) {
        if (!side.open || ended) {
            return;
        }
        if ((ops & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0) {
            side.readable = true;
        }
        if ((ops & EPOLLRDHUP) != 0 && (ops & EPOLLERR) == 0) {
            side.peerShut = true;
        }
        if ((ops & (EPOLLHUP | EPOLLERR)) != 0) {
            side.hungUp = true;
        }
        if (side == upstream && !connected) {
            connectEvent(ops);
            return;
        }
        if (!connected) {
            if (headerReader != null && side.readable) {
                readProxyHeader();
            } else if ((ops & (EPOLLHUP | EPOLLERR)) != 0) {
                // The client reset or left before its server was connected.
                abort();
            }
            return;
        }
        if (side.hasOutput() && (ops & (EPOLLOUT | EPOLLERR | EPOLLHUP)) != 0) {
            flush(side);
        }
        relay(side);
    }

    /** Moves what {@code from} has to read to the other side, as far as that side takes it now. */
    private void relay(Side from) {
        Side to = from == client ? upstream : client;
        if (!from.readable || from.inputEnded || closing || to.hasOutput()) {
            return;
        }
        if (to.pipe != null) {
            splice(from, to);
            return;
        }
        ByteBuffer buffer = relay.buffer();
        int readSize = HELD.get() < HELD_SOFT_LIMIT ? RelayLoop.CHUNK : SMALL_READ;
        for (int reads = 0; reads < READS_PER_TURN; reads++) {
            int n = read(from, buffer, readSize);
            if (n == 0 || n == ABORTED) {
                return;
            }
            if (n < 0) {
                inputEnded(from);
                return;
            }
            count(from, n);
            if (!write(to, buffer, n)) {
                return;
            }
            if (n < readSize) {
                if (from.hungUp) {
                    // After a hang-up or a reset no further edge comes: the next read must report the end or the
                    // error, so the loop reads on.
                    continue;
                }
                // Drained (epoll reports the next bytes as a new edge). After the peer's FIN nothing more can come:
                // that is its end of input, without one more read to see it.
                from.readable = false;
                if (from.peerShut) {
                    inputEnded(from);
                }
                return;
            }
            if (service.config().splice() && to.openPipe()) {
                // A full read: a bulk stream. From here on its bytes stay in the kernel.
                splice(from, to);
                return;
            }
        }
        loop.execute(resume);
    }

    /** What {@link #read} answers when the read failed and the session was aborted. */
    private static final int ABORTED = -2;

    /**
     * Reads up to {@code size} bytes of {@code from} into {@code buffer}: the count, 0 when nothing is there now
     * (the side is then marked unreadable until its next edge), -1 at its end of input, or {@link #ABORTED} when
     * the read failed and the session was aborted.
     */
    private int read(Side from, ByteBuffer buffer, int size) {
        try {
            int n = from.socket.read(buffer, 0, size);
            if (n == 0) {
                from.readable = false;
            }
            return n;
        } catch (IOException e) {
            abort();
            return ABORTED;
        }
    }

    /** As {@link #relay}, with {@code splice(2)}: socket → the direction's pipe → socket, no copy through the JVM. */
    private void splice(Side from, Side to) {
        for (int reads = 0; reads < READS_PER_TURN; reads++) {
            int n;
            try {
                n = Native.splice(from.socket.intValue(), -1, to.pipe.writeEnd.intValue(), -1, RelayLoop.CHUNK);
            } catch (IOException e) {
                abort();
                return;
            }
            if (n == 0) {
                // Nothing now; or, after the peer's FIN, nothing ever again.
                from.readable = false;
                if (from.peerShut) {
                    inputEnded(from);
                }
                return;
            }
            count(from, n);
            to.pipe.bytes += n;
            if (!drainPipe(to)) {
                return;
            }
        }
        loop.execute(resume);
    }

    /** Moves what the pipe towards {@code to} holds into its socket; false when the socket is full (or failed). */
    private boolean drainPipe(Side to) {
        Pipe pipe = to.pipe;
        try {
            while (pipe.bytes > 0) {
                int w = Native.splice(pipe.readEnd.intValue(), -1, to.socket.intValue(), -1, pipe.bytes);
                if (w == 0) {
                    return false;
                }
                pipe.bytes -= w;
            }
            return true;
        } catch (IOException e) {
            abort();
            return false;
        }
    }

    /** Continues a relay that gave way to the loop's other connections after {@value #READS_PER_TURN} reads. */
    private void resume() {
        try {
            if (connected && !closing) {
                relay(client);
                relay(upstream);
            }
        } catch (RuntimeException e) {
            failed(e);
        }
    }

    /**
     * A bug, not a network event: logged with its stack trace, and the session closed, rather than thrown into the
     * event loop (whose handler would pause the whole loop for a second).
     */
    private void failed(RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "service " + service.name() + ": unexpected error in the connection from "
                + clientAddress + ", closed it", e);
        abort();
    }

    private void count(Side from, int n) {
        idle.touch();
        if (from == client) {
            service.counters().addBytesIn(n);
            serverCounters.addBytesIn(n);
        } else {
            service.counters().addBytesOut(n);
            serverCounters.addBytesOut(n);
        }
    }

    /** Writes the first {@code n} bytes of the loop's buffer to {@code to}; false when some had to be kept aside. */
    private boolean write(Side to, ByteBuffer buffer, int n) {
        int written = 0;
        try {
            int w;
            while (written < n && (w = to.socket.write(buffer, written, n)) > 0) {
                written += w;
            }
        } catch (IOException e) {
            abort();
            return false;
        }
        if (written == n) {
            return true;
        }
        ByteBuf rest;
        try {
            rest = ByteBufAllocator.DEFAULT.directBuffer(n - written);
        } catch (OutOfMemoryError e) {
            // No room to hold the bytes (Netty's direct-memory limit): this connection cannot go on, the others can.
            abort();
            return false;
        }
        rest.writeBytes(buffer.duplicate().position(written).limit(n));
        hold(to, rest);
        return false;
    }

    /** Sends {@code bytes} to {@code to} (the server's first bytes), keeping aside what it cannot take now. */
    private void send(Side to, ByteBuf bytes) {
        ByteBuf direct = bytes;
        if (!bytes.isDirect() || bytes.nioBufferCount() != 1) {
            direct = ByteBufAllocator.DEFAULT.directBuffer(bytes.readableBytes());
            direct.writeBytes(bytes);
            bytes.release();
        }
        hold(to, direct);
        flush(to);
    }

    /** Bytes held aside now over all sessions (0 when no session waits for a socket to take its bytes). */
    static long heldBytes() {
        return HELD.get();
    }

    private static void hold(Side side, ByteBuf bytes) {
        side.pending = bytes;
        side.held = bytes.capacity();
        HELD.addAndGet(side.held);
    }

    private static void release(Side side) {
        side.pending.release();
        side.pending = null;
        HELD.addAndGet(-side.held);
        side.held = 0;
    }

    /** Writes what is kept aside for {@code side}; once all of it is, the other side is read again. */
    private void flush(Side side) {
        ByteBuf out = side.pending;
        if (out != null) {
            try {
                while (out.isReadable()) {
                    ByteBuffer nio = out.internalNioBuffer(out.readerIndex(), out.readableBytes());
                    int w = side.socket.write(nio, nio.position(), nio.limit());
                    if (w == 0) {
                        return;
                    }
                    out.skipBytes(w);
                }
            } catch (IOException e) {
                abort();
                return;
            }
            release(side);
        }
        if (side.pipe != null && !drainPipe(side)) {
            return;
        }
        if (closing) {
            closeSide(side);
            endIfClosed();
            return;
        }
        if (side.finPending) {
            shutdownOutput(side);
        }
        relay(side == client ? upstream : client);
    }

    private void inputEnded(Side from) {
        from.inputEnded = true;
        from.readable = false;
        Side to = from == client ? upstream : client;
        if (to.inputEnded) {
            // Both directions are done: closing sends the FINs after what is queued, no separate shutdown.
            close();
        } else if (!to.hasOutput()) {
            shutdownOutput(to);
        } else {
            to.finPending = true;
        }
    }

    private void shutdownOutput(Side side) {
        side.finPending = false;
        try {
            side.socket.shutdown(false, true);
        } catch (IOException | NotYetConnectedException e) {
            // The peer reset: it takes no more bytes, but what it sent before may still wait to be read. Reading it
            // relays those bytes, then meets the reset, which ends the session.
            side.readable = true;
            relay(side);
        }
    }

    // ---- ending ----------------------------------------------------------------------------------------------

    private void onInactive() {
        if (closing) {
            // Still flushing to a peer that does not read: give up.
            abort();
            return;
        }
        if (upstream != null && !connected) {
            onConnectFailed(server, new ConnectTimeoutException("connect timed out"));
            return;
        }
        close();
        // A peer that never reads what is still queued gets one more period, then a hard close.
        if (!ended) {
            idle.start(relayTimeoutMillis());
        }
    }

    /** Ends the session: what is queued for either side is still written, then both close. */
    void close() {
        if (closing) {
            return;
        }
        closing = true;
        choice.cancel();
        if (headerReader != null) {
            headerReader.discard();
            headerReader = null;
        }
        if (early != null) {
            early.release();
            early = null;
        }
        releaseServer();
        if (upstream != null && (!upstream.hasOutput() || !connected)) {
            closeSide(upstream);
        }
        if (!client.hasOutput()) {
            closeSide(client);
        }
        endIfClosed();
    }

    /** Closes both sockets at once (listener shutdown, a reset, a timeout while flushing), dropping what is queued. */
    void abort() {
        close();
        closeSide(client);
        if (upstream != null) {
            closeSide(upstream);
        }
        endIfClosed();
    }

    private void closeSide(Side side) {
        if (!side.open) {
            return;
        }
        side.open = false;
        if (side.pending != null) {
            release(side);
        }
        relay.closeLater(loop, side);
        if (side.pipe != null) {
            relay.closeLater(loop, side.pipe.readEnd::close);
            relay.closeLater(loop, side.pipe.writeEnd::close);
        }
    }

    private void endIfClosed() {
        if (ended || client.open || upstream != null && upstream.open) {
            return;
        }
        ended = true;
        idle.stop();
        tcp.sessionEnded(this);
    }

    private void releaseServer() {
        if (server != null) {
            Server held = server;
            server = null;
            if (connected) {
                serverCounters.closed();
            }
            service.pool().release(held);
        }
    }

    /** One of the session's two sockets, as epoll reports it and as the relay left it. */
    private final class Side extends RegisteredSocket {
        /** Open until handed to the loop to close. */
        boolean open = true;
        /** epoll reported bytes (or the end of them) that were not all read yet. */
        boolean readable;
        /** epoll reported the peer's FIN: once what is buffered is read, the input has ended. */
        boolean peerShut;
        /** epoll reported a hang-up or an error (a reset): reads go on until one reports the end or the error. */
        boolean hungUp;
        boolean inputEnded;
        /** The output is to be shut down once {@link #pending} is written. */
        boolean finPending;
        /** Bytes this socket could not take yet; nothing more is read for it until they are written. */
        ByteBuf pending;
        /** The size of {@link #pending} as counted in the process-wide total. */
        int held;

        /** splice only: the kernel pipe holding bytes on their way to this socket (null until a bulk read). */
        Pipe pipe;

        Side(LinuxSocket socket) {
            super(socket);
        }

        /** True while bytes wait to be written to this socket (aside in the process, or in its pipe). */
        boolean hasOutput() {
            return pending != null || pipe != null && pipe.bytes > 0;
        }

        /** Opens this side's pipe; false when none can be had (out of descriptors): the relay goes on buffered. */
        boolean openPipe() {
            if (pipe == null) {
                try {
                    FileDescriptor[] ends = FileDescriptor.pipe();
                    pipe = new Pipe(ends[0], ends[1]);
                } catch (IOException e) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public void handle(IoRegistration registration, IoEvent event) {
            try {
                onEvent(this, ((EpollIoEvent) event).ops().value());
            } catch (RuntimeException e) {
                failed(e);
            }
        }
    }

    /** A kernel pipe between two sockets, and how many bytes it holds. */
    private static final class Pipe {
        final FileDescriptor readEnd;
        final FileDescriptor writeEnd;
        int bytes;

        Pipe(FileDescriptor readEnd, FileDescriptor writeEnd) {
            this.readEnd = readEnd;
            this.writeEnd = writeEnd;
        }
    }
}
