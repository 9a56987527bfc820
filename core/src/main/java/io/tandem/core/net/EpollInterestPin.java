package io.tandem.core.net;

import io.netty.channel.Channel;

import java.lang.reflect.Method;

/**
 * Works around a Netty 4.2.18 epoll bug that breaks half-closed relays. When a channel's epoll interest set becomes
 * empty, {@code EpollIoHandler} removes the fd from epoll ({@code EPOLL_CTL_DEL}) but keeps its registration marked
 * as added, so the next interest change is an {@code EPOLL_CTL_MOD} that fails with ENOENT. A channel whose peer
 * has shut down its output (no more EPOLLIN or EPOLLRDHUP) empties its set each time a blocked write completes,
 * and its next blocked write then fails: Netty shuts the channel's output down and drops what was queued. Seen
 * here as a client losing the end of a large reply sent after the client's own half-close. Every L7 connection
 * (both sides) is pinned; the L4 relay registers its sockets with epoll itself and never empties their sets.
 *
 * <p>The workaround adds EPOLLMSG to the channel's interest set: a bit the kernel accepts and never reports for a
 * socket, so the set is never empty and the fd is never removed. Channels that are not epoll are left alone.
 */
public final class EpollInterestPin {
    private static final System.Logger LOG = System.getLogger(EpollInterestPin.class.getName());
    /** Linux's EPOLLMSG: accepted by epoll_ctl, never raised by a socket. */
    private static final int EPOLLMSG = 0x400;
    private static final Method SET_FLAG = lookup();

    private EpollInterestPin() {
    }

    /**
     * Keeps {@code channel}'s epoll interest set non-empty for its lifetime; call on its event loop once registered,
     * or before registration (then it only records the flag, and the fd is added to epoll with it).
     */
    public static void pin(Channel channel) {
        if (SET_FLAG == null || !SET_FLAG.getDeclaringClass().isInstance(channel)) {
            return;
        }
        try {
            SET_FLAG.invoke(channel, EPOLLMSG);
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "cannot pin epoll interest of " + channel, e);
        }
    }

    private static Method lookup() {
        try {
            Class<?> epollChannel = Class.forName("io.netty.channel.epoll.AbstractEpollChannel");
            Method setFlag = epollChannel.getDeclaredMethod("setFlag", int.class);
            setFlag.setAccessible(true);
            return setFlag;
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            LOG.log(System.Logger.Level.WARNING, "Netty epoll workaround unavailable (" + e
                    + "); half-closed TCP relays may lose data on Netty 4.2.18");
            return null;
        }
    }
}
