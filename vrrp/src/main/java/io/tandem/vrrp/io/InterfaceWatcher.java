package io.tandem.vrrp.io;

import static io.tandem.vrrp.io.Libc.C;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * Watches whether an interface can carry traffic (administratively up and with carrier: IFF_UP and IFF_RUNNING,
 * what {@code /sys/class/net/IF/operstate} says as "up"; an interface that disappears is down), polling every
 * period, and calls back on every change: the plumbing under {@code track: interfaces} (a tracked interface that
 * goes down puts the VRRP instance in FAULT).
 *
 * <p>It asks the kernel with SIOCGIFFLAGS on a socket opened by {@link #start}, so it sees the network namespace of
 * the thread that starts it, whatever thread polls. The callback runs on the scheduler's thread.
 */
public final class InterfaceWatcher implements AutoCloseable {
    private final String interfaceName;
    private final int fd;
    private final BiConsumer<String, Boolean> onChange;
    private final ScheduledExecutorService ownScheduler;
    private final ScheduledFuture<?> task;
    private volatile boolean up;
    private volatile boolean closed;

    private InterfaceWatcher(String interfaceName, int fd, boolean up, BiConsumer<String, Boolean> onChange,
            ScheduledExecutorService scheduler, boolean ownsScheduler, Duration period) {
        this.interfaceName = interfaceName;
        this.fd = fd;
        this.up = up;
        this.onChange = onChange;
        this.ownScheduler = ownsScheduler ? scheduler : null;
        this.task = scheduler.scheduleWithFixedDelay(this::poll, period.toMillis(), period.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /** Polls every 100 ms on its own daemon thread ("vrrp-link-IFACE"). */
    public static InterfaceWatcher start(String interfaceName, BiConsumer<String, Boolean> onChange)
            throws IOException {
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "vrrp-link-" + interfaceName);
            t.setDaemon(true);
            return t;
        });
        try {
            return start(interfaceName, Duration.ofMillis(100), scheduler, true, onChange);
        } catch (IOException | RuntimeException e) {
            scheduler.shutdownNow();
            throw e;
        }
    }

    /** Polls every {@code period} on {@code scheduler} (shared by several watchers; not shut down by close). */
    public static InterfaceWatcher start(String interfaceName, Duration period, ScheduledExecutorService scheduler,
            BiConsumer<String, Boolean> onChange) throws IOException {
        return start(interfaceName, period, scheduler, false, onChange);
    }

    private static InterfaceWatcher start(String interfaceName, Duration period, ScheduledExecutorService scheduler,
            boolean owns, BiConsumer<String, Boolean> onChange) throws IOException {
        Libc.ifname(interfaceName);
        Objects.requireNonNull(onChange, "onChange");
        if (period.toMillis() <= 0) {
            throw new IllegalArgumentException("period must be at least 1 ms: " + period);
        }
        int fd = Libc.controlSocket();
        try {
            return new InterfaceWatcher(interfaceName, fd, isUp(fd, interfaceName), onChange, scheduler, owns, period);
        } catch (RuntimeException e) {
            Libc.closeQuietly(fd);
            throw e;
        }
    }

    /** Whether the interface was up at the last poll. */
    public boolean isUp() {
        return up;
    }

    public String interfaceName() {
        return interfaceName;
    }

    private synchronized void poll() {
        if (closed) {
            return;
        }
        boolean now = isUp(fd, interfaceName);
        if (now != up) {
            up = now;
            try {
                onChange.accept(interfaceName, now);
            } catch (RuntimeException e) {
                // The callback's failure is its own; the watch goes on.
                Thread t = Thread.currentThread();
                t.getUncaughtExceptionHandler().uncaughtException(t, e);
            }
        }
    }

    private static boolean isUp(int fd, String name) {
        byte[] req = Libc.ifreq(name);
        if (C.ioctl(fd, Libc.SIOCGIFFLAGS, req) != 0) {
            return false; // ENODEV: the interface is gone, which is down for tracking
        }
        int flags = ByteBuffer.wrap(req, Libc.IFNAMSIZ, 2).order(ByteOrder.nativeOrder()).getShort() & 0xFFFF;
        return (flags & Libc.IFF_UP) != 0 && (flags & Libc.IFF_RUNNING) != 0;
    }

    @Override
    public void close() {
        task.cancel(false);
        if (ownScheduler != null) {
            ownScheduler.shutdownNow();
        }
        synchronized (this) {
            if (!closed) {
                closed = true;
                Libc.closeQuietly(fd);
            }
        }
    }
}
