package io.tandem.vrrp.io;

import java.io.IOException;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The dedicated thread that reads one {@link RawIpSocket} and hands each packet to a callback ("vrrp-rx-IFACE",
 * a daemon thread; never an event loop). A failing receive is reported and retried after a pause, so one bad moment
 * of the interface does not end VRRP on it; closing the receiver closes the socket and ends the thread.
 */
public final class PacketReceiver implements AutoCloseable {
    private static final long POLL_MILLIS = 1_000;
    private static final long ERROR_PAUSE_MILLIS = 100;

    private final RawIpSocket socket;
    private final Thread thread;
    private volatile boolean running = true;

    private PacketReceiver(RawIpSocket socket, Consumer<RawIpSocket.Received> onPacket, Consumer<IOException> onError) {
        this.socket = socket;
        this.thread = new Thread(() -> run(onPacket, onError), "vrrp-rx-" + socket.interfaceName());
        this.thread.setDaemon(true);
    }

    /**
     * Starts reading {@code socket} on a new thread. {@code onPacket} and {@code onError} run on that thread; they
     * should hand work over (to the state machine's executor) rather than block.
     */
    public static PacketReceiver start(RawIpSocket socket, Consumer<RawIpSocket.Received> onPacket,
            Consumer<IOException> onError) {
        PacketReceiver receiver = new PacketReceiver(Objects.requireNonNull(socket, "socket"),
                Objects.requireNonNull(onPacket, "onPacket"), Objects.requireNonNull(onError, "onError"));
        receiver.thread.start();
        return receiver;
    }

    private void run(Consumer<RawIpSocket.Received> onPacket, Consumer<IOException> onError) {
        while (running) {
            try {
                RawIpSocket.Received packet = socket.receive(POLL_MILLIS);
                if (packet != null && running) {
                    onPacket.accept(packet);
                }
            } catch (IOException e) {
                if (!running) {
                    return;
                }
                onError.accept(e);
                try {
                    Thread.sleep(ERROR_PAUSE_MILLIS);
                } catch (InterruptedException interrupted) {
                    return;
                }
            } catch (RuntimeException e) {
                onError.accept(new IOException("packet handler failed on " + socket.interfaceName() + ": " + e, e));
            }
        }
    }

    public RawIpSocket socket() {
        return socket;
    }

    /** Stops the thread (waits for it up to a second) and closes the socket. */
    @Override
    public void close() {
        running = false;
        socket.close();
        try {
            thread.join(1_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
