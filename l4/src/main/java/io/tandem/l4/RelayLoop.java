package io.tandem.l4;

import io.netty.channel.IoEventLoop;
import io.netty.util.concurrent.FastThreadLocal;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;

/**
 * What the TCP relay shares per event loop: one read buffer (bytes go from it straight to the other socket; only
 * what the other socket cannot take at once is copied aside), and the sockets to close once the loop has handled
 * the events it already took from epoll. Used only from its loop's thread.
 *
 * <p>Why closing waits: epoll hands the loop a batch of events per wake-up. A socket closed while the batch is being
 * handled frees its fd number, an accept or connect later in the same batch can get that number, and an event of
 * the batch meant for the closed socket would then reach the new one. Closing after the batch rules that out.
 */
final class RelayLoop {
    /**
     * Largest read: a fast stream moves in few large writes, each waking the receiving end once. Measured
     * (bench/l4.sh bulk, unpinned): 64 KiB reads cost twice the CPU per GiB of 256 KiB ones.
     */
    static final int CHUNK = 256 * 1024;

    private static final FastThreadLocal<RelayLoop> CURRENT = new FastThreadLocal<>() {
        @Override
        protected RelayLoop initialValue() {
            return new RelayLoop();
        }
    };

    private final ByteBuffer buffer = ByteBuffer.allocateDirect(CHUNK);
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final Runnable closeAll = this::closePending;
    private boolean closeScheduled;

    private RelayLoop() {
    }

    /** The calling event loop's relay resources. */
    static RelayLoop current() {
        return CURRENT.get();
    }

    /**
     * The loop's read buffer ({@value #CHUNK} bytes, direct): its contents last until the next relay call on this loop.
     * Used by absolute positions only, so its own position and limit never matter.
     */
    ByteBuffer buffer() {
        return buffer;
    }

    /** Closes {@code socket} after the events of the current epoll batch are handled. */
    void closeLater(IoEventLoop loop, AutoCloseable socket) {
        toClose.add(socket);
        if (!closeScheduled) {
            closeScheduled = true;
            try {
                loop.execute(closeAll);
            } catch (RejectedExecutionException stopping) {
                // The loop is shutting down and handles no more events: nothing can get a stale one.
                closePending();
            }
        }
    }

    private void closePending() {
        closeScheduled = false;
        for (int i = 0; i < toClose.size(); i++) {
            try {
                toClose.get(i).close();
            } catch (Exception e) {
                // Closing a socket fails only when it is already closed: nothing is left to release.
            }
        }
        toClose.clear();
    }
}
