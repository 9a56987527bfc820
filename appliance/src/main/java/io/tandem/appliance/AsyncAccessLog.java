package io.tandem.appliance;

import io.tandem.core.config.GlobalConfig;
import io.tandem.core.log.RateLimitedLog;
import io.tandem.l7.proxy.AccessLog;
import io.tandem.l7.proxy.AccessLogBuffer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The access log, written by its own thread so that event loops never wait on a disk, a pipe or a socket, nor
 * pay for waking that thread: each loop copies its lines into a buffer of its own ({@link AccessLogBuffer}), which
 * the writer takes and writes in batches. Lines beyond a loop's buffer are dropped and counted rather than slowing
 * the proxy.
 */
final class AsyncAccessLog implements AccessLog, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(AsyncAccessLog.class.getName());
    /** Bytes of lines one event loop may have waiting for the writer (about 25 000 httplog lines). */
    private static final int MAX_WAITING_BYTES = 4 * 1024 * 1024;

    /** How long an event loop's log buffer must have been mostly empty before it is halved (see AccessLogBuffer). */
    private static final Duration SHRINK_AFTER = Duration.ofSeconds(1);

    /** How long the writer sleeps when no line waits: lines wait at most this long, event loops never pay for
     *  waking it. */
    private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private final AccessLogBuffer lines;
    private final Sink sink;
    /** {@code global.log}, as the operator wrote it. */
    private final String destination;
    private final RateLimitedLog writeFailures = new RateLimitedLog(LOG, System.Logger.Level.WARNING);
    private final RateLimitedLog drops = new RateLimitedLog(LOG, System.Logger.Level.WARNING);
    private final Thread writer;
    private volatile boolean running = true;
    private long droppedSeen;

    private AsyncAccessLog(Sink sink, String destination, GlobalConfig.LogFormat format) {
        this.lines = new AccessLogBuffer(format, MAX_WAITING_BYTES, SHRINK_AFTER);
        this.sink = sink;
        this.destination = destination;
        this.writer = new Thread(this::drainLoop, "tandem-access-log");
        writer.setDaemon(true);
        writer.start();
    }

    /**
     * Opens the destination {@code global.log} names, lines in {@code global.log-format}: {@code stdout},
     * {@code file:/path}, {@code syslog://host:port} (RFC 5424 over UDP), {@code syslog:/path} (RFC 5424 to a local
     * datagram socket); null for {@code none}.
     */
    static AsyncAccessLog open(GlobalConfig global) throws IOException {
        String destination = global.log();
        if (destination.equals("none")) {
            return null;
        }
        Sink sink;
        if (destination.startsWith("file:")) {
            Path file = Path.of(destination.substring("file:".length()));
            sink = new StreamSink(Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND));
        } else if (destination.startsWith("syslog://")) {
            URI uri = URI.create(destination);
            int port = uri.getPort() > 0 ? uri.getPort() : 514;
            sink = SyslogSink.udp(new InetSocketAddress(uri.getHost(), port), global.name());
        } else if (destination.startsWith("syslog:/")) {
            String socket = destination.substring("syslog:".length());
            if (!Files.exists(Path.of(socket))) {
                LOG.log(System.Logger.Level.WARNING, "access log: " + socket + " does not exist (is a syslog daemon "
                        + "running?); lines are dropped until it does");
            }
            sink = SyslogSink.local(socket, global.name());
        } else {
            sink = new StreamSink(System.out);
        }
        return new AsyncAccessLog(sink, destination, global.logFormat());
    }

    @Override
    public void log(CharSequence line) {
        lines.log(line);
    }

    @Override
    public GlobalConfig.LogFormat format() {
        return lines.format();
    }

    private void drainLoop() {
        while (true) {
            boolean last = !running;
            long written = 0;
            try {
                written = lines.drain(sink);
            } catch (IOException e) {
                writeFailures.event(() -> "access log: cannot write to " + destination + " (" + e.getMessage()
                        + "); lines are dropped until it works again");
            }
            long dropped = lines.dropped();
            if (dropped != droppedSeen) {
                long since = dropped - droppedSeen;
                droppedSeen = dropped;
                drops.event(() -> "access log: " + since + " lines dropped, " + MAX_WAITING_BYTES + " bytes of "
                        + "lines wait to be written (the destination is slower than the traffic; a local file or "
                        + "syslog:/dev/log keeps up best)");
            }
            if (last) {
                return;
            }
            if (written == 0) {
                LockSupport.parkNanos(IDLE_PARK_NANOS);
            }
        }
    }

    @Override
    public void close() {
        running = false;
        try {
            writer.join(2000);
            sink.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "access log close failed: " + e.getMessage());
        }
    }

    /** Where batches of lines go: whole lines, UTF-8, each ending with a line feed. */
    interface Sink extends AccessLogBuffer.Sink, AutoCloseable {
        @Override
        void close() throws IOException;
    }

    private record StreamSink(OutputStream out) implements Sink {
        @Override
        public void write(byte[] lines, int length) throws IOException {
            out.write(lines, 0, length);
            out.flush();
        }

        @Override
        public void close() throws IOException {
            out.flush();
        }
    }
}
