package io.tandem.core.net;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.tandem.core.metrics.CountingThreads;

/**
 * The process's one event-loop group and the channel classes that go with its transport: native epoll on
 * Linux, NIO where epoll cannot load. Every listener, upstream connection and health check runs on it.
 */
public final class EventLoops implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(EventLoops.class.getName());

    private final EventLoopGroup group;
    private final boolean epoll;

    private EventLoops(EventLoopGroup group, boolean epoll) {
        this.group = group;
        this.epoll = epoll;
    }

    /** Starts {@code workers} event loops (0 = one per core) on the best transport available. */
    public static EventLoops start(int workers) {
        int threads = workers > 0 ? workers : Runtime.getRuntime().availableProcessors();
        boolean useEpoll = Epoll.isAvailable();
        IoHandlerFactory ioHandler = useEpoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(threads, CountingThreads.factory("tandem-io", true),
                ioHandler);
        if (useEpoll) {
            LOG.log(System.Logger.Level.INFO, "network transport: epoll, " + threads + " event loop(s)");
        } else {
            LOG.log(System.Logger.Level.WARNING, "network transport: NIO (slower), " + threads
                    + " event loop(s); native epoll unavailable: " + Epoll.unavailabilityCause());
        }
        return new EventLoops(group, useEpoll);
    }

    public EventLoopGroup group() {
        return group;
    }

    /** "epoll" or "nio", for the startup log. */
    public String transportName() {
        return epoll ? "epoll" : "nio";
    }

    public Class<? extends ServerChannel> serverChannelClass() {
        return epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    public Class<? extends SocketChannel> socketChannelClass() {
        return epoll ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    public Class<? extends DatagramChannel> datagramChannelClass() {
        return epoll ? EpollDatagramChannel.class : NioDatagramChannel.class;
    }

    /** True on native epoll: datagram channels are native, and the L4 TCP relay (which needs it) can run. */
    public boolean isEpoll() {
        return epoll;
    }

    /**
     * Lets a listener bind an address this host does not hold yet (IP_FREEBIND): a VRRP backup listens on the
     * VIP before it becomes master, without the operator setting net.ipv4.ip_nonlocal_bind.
     */
    public <B extends io.netty.bootstrap.AbstractBootstrap<B, ?>> B allowNonLocalBind(B bootstrap) {
        if (epoll) {
            bootstrap.option(io.netty.channel.epoll.EpollChannelOption.IP_FREEBIND, true);
        }
        return bootstrap;
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }
}
