package io.tandem.l4;

import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.epoll.LinuxSocket;
import io.netty.channel.unix.Errors;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.NativeInetAddress;
import io.tandem.core.config.HostPort;
import io.tandem.core.log.SocketFailureLog;
import io.tandem.core.log.RateLimitedLog;
import io.tandem.core.net.EventLoops;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP service's listening socket on one of the shared event loops, its sessions, and its {@code maxconn}: at the
 * limit the listener stops accepting (new clients wait in the kernel's backlog, as in HAProxy) and resumes below it.
 * Accepted connections are spread over the event loops; each session lives on the loop it was given.
 */
final class TcpService implements RunningService {
    private static final System.Logger LOG = System.getLogger(TcpService.class.getName());
    private static final int BACKLOG = 4096;
    /** Connections taken per wake-up before the listener's loop serves its other sockets (HAProxy: maxaccept 64). */
    private static final int ACCEPTS_PER_EVENT = 64;
    /** How long accepting stops when the process is out of descriptors or memory, so the loop does not spin. */
    private static final long OUT_OF_RESOURCES_PAUSE_MILLIS = 100;
    /** EPOLLMSG alone: accepted by epoll, never raised by a socket; the paused listener's (never empty) interest set. */
    private static final EpollIoOps PAUSED = EpollIoOps.valueOf(0x400);
    /** accept(2) errors that say the process or the system is out of descriptors or memory (negative errno). */
    private static final Set<Integer> OUT_OF_RESOURCES = Set.of(-24 /* EMFILE */, -23 /* ENFILE */,
            -105 /* ENOBUFS */, -12 /* ENOMEM */);
    private static final int SOL_IP = 0;
    private static final int IP_FREEBIND = 15;

    /** The service as the current snapshot has it; a connection or flow reads it once, when it starts. */
    private final Supplier<ServiceRuntime> current;
    private final EventLoops loops;
    private volatile int maxConnections;
    private final Set<TcpSession> sessions = ConcurrentHashMap.newKeySet();
    private final AtomicInteger active = new AtomicInteger();
    private final RateLimitedLog badProxyHeaders = new RateLimitedLog(LOG, System.Logger.Level.WARNING);
    private final SocketFailureLog acceptFailures;
    private volatile Listener listener;
    private volatile boolean closed;

    TcpService(Supplier<ServiceRuntime> current, EventLoops loops, int maxConnections) {
        this.current = current;
        this.loops = loops;
        this.maxConnections = maxConnections;
        this.acceptFailures = new SocketFailureLog("service " + current.get().name());
    }

    /** The service as the current snapshot has it. */
    ServiceRuntime service() {
        return current.get();
    }

    boolean acceptProxy() {
        return service().config().listen().acceptProxy();
    }

    @Override
    public void start() throws IOException {
        if (!loops.isEpoll()) {
            throw new IOException("service " + service().name() + ": TCP services need Linux's native epoll transport, "
                    + "which did not load (" + Epoll.unavailabilityCause() + ")");
        }
        InetSocketAddress bindAddress = RunningService.socketAddress(service());
        IoEventLoop loop = (IoEventLoop) loops.group().next();
        LinuxSocket socket = LinuxSocket.newSocketStream(bindAddress.getAddress() instanceof Inet6Address);
        try {
            socket.setReuseAddress(true);
            // A VRRP backup listens on the VIP before it holds it, without net.ipv4.ip_nonlocal_bind.
            socket.setIntOpt(SOL_IP, IP_FREEBIND, 1);
            // Accepted sockets inherit TCP_NODELAY from the listener: no setsockopt per connection.
            socket.setTcpNoDelay(true);
            socket.bind(bindAddress);
            socket.listen(BACKLOG);
        } catch (IOException e) {
            socket.close();
            throw RunningService.cannotListen(service(), e);
        }
        Listener started = new Listener(loop, socket, bindAddress.getAddress().isAnyLocalAddress());
        try {
            started.registration = loop.register(started).syncUninterruptibly().getNow();
            started.registration.submit(EpollIoOps.EPOLLIN);
        } catch (RuntimeException e) {
            socket.close();
            throw RunningService.cannotListen(service(), e);
        }
        listener = started;
        LOG.log(System.Logger.Level.INFO, "service " + service().name() + " listening on tcp "
                + service().config().listen().address() + (acceptProxy() ? " (accept-proxy)" : ""));
    }

    private void startSession(IoEventLoop loop, LinuxSocket socket, InetSocketAddress client,
            InetSocketAddress destination) {
        if (closed) {
            closeQuietly(socket);
            endConnection();
            return;
        }
        TcpSession session = new TcpSession(this, loop, socket, client, destination);
        sessions.add(session);
        session.start();
    }

    void sessionEnded(TcpSession session) {
        if (sessions.remove(session)) {
            endConnection();
        }
    }

    private void endConnection() {
        service().counters().closed();
        if (active.decrementAndGet() < maxConnections) {
            Listener current = listener;
            if (current != null && current.paused) {
                current.loop.execute(current::resumeIfBelowLimit);
            }
        }
    }

    void warnBadProxyHeader(SocketAddress peer) {
        badProxyHeaders.event(() -> "service " + service().name() + ": closed connection from " + HostPort.text(peer)
                + ": missing or malformed PROXY header on an accept-proxy listen");
    }

    @Override
    public void stopAccepting() {
        Listener current = listener;
        listener = null;
        if (current != null) {
            if (current.loop.inEventLoop()) {
                current.closeNow();
            } else {
                current.loop.submit(current::closeNow).syncUninterruptibly();
            }
        }
    }

    @Override
    public InetSocketAddress localAddress() {
        Listener current = listener;
        return current == null ? null : current.address;
    }

    @Override
    public void limit(int max) {
        maxConnections = max;
        Listener current = listener;
        if (current != null && current.paused) {
            current.loop.execute(current::resumeIfBelowLimit);
        }
    }

    @Override
    public int activeConnections() {
        return active.get();
    }

    @Override
    public void closeAll() {
        closed = true;
        stopAccepting();
        for (TcpSession session : sessions) {
            session.loop().execute(session::abort);
        }
    }

    private static void closeQuietly(FileDescriptor socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // Already closed: nothing to release.
        }
    }

    /** The listening socket, registered with its loop's epoll (level-triggered: a connection left is reported again). */
    private final class Listener extends RegisteredSocket {
        final IoEventLoop loop;
        final InetSocketAddress address;
        /** The address clients reach, when the listen names one; null for a wildcard (asked per connection). */
        final InetSocketAddress fixedDestination;
        /** Filled by accept: the length, then the client's address and port. */
        private final byte[] acceptedAddress = new byte[26];
        volatile boolean paused;

        Listener(IoEventLoop loop, LinuxSocket socket, boolean wildcard) {
            super(socket);
            this.loop = loop;
            this.address = socket.localAddress();
            this.fixedDestination = wildcard ? null : address;
        }

        @Override
        public void handle(IoRegistration registration, IoEvent event) {
            for (int i = 0; i < ACCEPTS_PER_EVENT && socket.isOpen(); i++) {
                if (active.get() >= maxConnections) {
                    pause();
                    return;
                }
                int fd;
                try {
                    fd = socket.accept(acceptedAddress);
                } catch (IOException e) {
                    acceptFailed(e);
                    return;
                }
                if (fd < 0) {
                    return;
                }
                accepted(fd);
            }
        }

        private void accepted(int fd) {
            LinuxSocket client = LinuxSocket.newSocket(fd);
            InetSocketAddress peer = NativeInetAddress.address(acceptedAddress, 1, acceptedAddress[0]);
            active.incrementAndGet();
            service().counters().opened();
            IoEventLoop target = (IoEventLoop) loops.group().next();
            if (target.inEventLoop()) {
                startSession(target, client, peer, fixedDestination);
            } else {
                target.execute(() -> startSession(target, client, peer, fixedDestination));
            }
        }

        private void acceptFailed(IOException e) {
            if (e instanceof Errors.NativeIoException nativeError && OUT_OF_RESOURCES.contains(nativeError.expectedErr())) {
                // The connection stays in the backlog; accepting again at once would spin on it.
                acceptFailures.failed(e, active.get());
                setInterest(PAUSED);
                loop.schedule(() -> setInterest(EpollIoOps.EPOLLIN), OUT_OF_RESOURCES_PAUSE_MILLIS, TimeUnit.MILLISECONDS);
            }
            // Anything else (a client that reset while queued) concerns that one connection only.
        }

        /** At {@code maxconn}: stop being told about new connections until one ends. */
        private void pause() {
            paused = true;
            setInterest(PAUSED);
            // A session that ended between the check and the flag saw no pause to undo: look again.
            resumeIfBelowLimit();
        }

        void resumeIfBelowLimit() {
            if (paused && active.get() < maxConnections) {
                paused = false;
                setInterest(EpollIoOps.EPOLLIN);
            }
        }

        /**
         * Never an empty set: Netty's epoll handler removes the fd from epoll on one, then fails the next change
         * (see core's EpollInterestPin).
         */
        private void setInterest(EpollIoOps ops) {
            if (socket.isOpen()) {
                registration.submit(ops);
            }
        }

        void closeNow() {
            try {
                close();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "closing the listener of service " + service().name(), e);
            }
        }
    }
}
