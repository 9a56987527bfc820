package io.tandem.l4;

import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.LinuxSocket;
import io.netty.channel.unix.FileDescriptor;

import java.io.IOException;

/** A socket the L4 tier registers with an event loop's epoll itself, without a Netty channel. */
abstract class RegisteredSocket implements EpollIoHandle {
    final LinuxSocket socket;
    /** Set once registered; null before. */
    IoRegistration registration;

    RegisteredSocket(LinuxSocket socket) {
        this.socket = socket;
    }

    @Override
    public final FileDescriptor fd() {
        return socket;
    }

    /**
     * Closes the socket, then ends its registration: in that order the handler has nothing to remove from epoll (the
     * kernel drops a closed fd by itself), one system call less per socket.
     */
    @Override
    public final void close() throws IOException {
        try {
            socket.close();
        } finally {
            if (registration != null) {
                registration.cancel();
            }
        }
    }
}
