package io.tandem.appliance;

import jnr.unixsocket.UnixDatagramChannel;
import jnr.unixsocket.UnixSocketAddress;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * systemd's readiness protocol ({@code sd_notify(3)}) for a {@code Type=notify} unit: {@code READY=1} once listening,
 * {@code RELOADING=1} with {@code MONOTONIC_USEC} when a reload starts and {@code READY=1} when it is done,
 * {@code STOPPING=1} at stop, and {@code STATUS=} lines for {@code systemctl status}. Each message is one datagram to
 * the unix socket {@code NOTIFY_SOCKET} names (a path, or an abstract name after {@code @}); without the variable
 * (not under systemd) nothing is sent.
 *
 * <p>Through jnr-unixsocket: the JDK's unix-domain channels (JDK 16+) are stream-only, with no datagram socket,
 * and systemd accepts notifications only as datagrams.
 */
final class SystemdNotify {
    private static final System.Logger LOG = System.getLogger(SystemdNotify.class.getName());

    private final UnixSocketAddress socket; // null: not under systemd
    private boolean failed;

    private SystemdNotify(UnixSocketAddress socket) {
        this.socket = socket;
    }

    /** The notifier for {@code NOTIFY_SOCKET} of this process's environment. */
    static SystemdNotify fromEnvironment() {
        return of(System.getenv("NOTIFY_SOCKET"));
    }

    /** The notifier for socket {@code name} ({@code /run/...} or {@code @abstract}); a null or blank one sends nothing. */
    static SystemdNotify of(String name) {
        if (name == null || name.isBlank()) {
            return new SystemdNotify(null);
        }
        // An abstract socket's name starts with a NUL byte, which the variable writes as '@'.
        return new SystemdNotify(new UnixSocketAddress(name.startsWith("@") ? "\0" + name.substring(1) : name));
    }

    /** READY=1: listening (and VRRP started), with {@code status} for {@code systemctl status}. */
    void ready(String status) {
        send("READY=1\nSTATUS=" + status);
    }

    /**
     * RELOADING=1 with the time it began on CLOCK_MONOTONIC in microseconds, which systemd requires. On Linux,
     * {@link System#nanoTime} reads CLOCK_MONOTONIC, so it is that clock.
     */
    void reloading(String status) {
        send("RELOADING=1\nMONOTONIC_USEC=" + System.nanoTime() / 1000 + "\nSTATUS=" + status);
    }

    /** STOPPING=1: the graceful stop has begun. */
    void stopping(String status) {
        send("STOPPING=1\nSTATUS=" + status);
    }

    /** STATUS= alone. */
    void status(String status) {
        send("STATUS=" + status);
    }

    private synchronized void send(String message) {
        if (socket == null) {
            return;
        }
        try (UnixDatagramChannel channel = UnixDatagramChannel.open()) {
            channel.send(ByteBuffer.wrap(message.getBytes(StandardCharsets.UTF_8)), socket);
        } catch (IOException | RuntimeException e) {
            // systemd then sees no readiness and says so; one line here is enough.
            if (!failed) {
                failed = true;
                LOG.log(System.Logger.Level.WARNING, "cannot notify systemd at NOTIFY_SOCKET "
                        + socket.humanReadablePath() + " (" + e.getMessage() + "): systemctl may not see the"
                        + " service as ready or reloading");
            }
        }
    }
}
