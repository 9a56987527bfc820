package io.tandem.appliance;

import io.tandem.core.config.GlobalConfig;
import io.tandem.core.log.RateLimitedLog;
import io.tandem.l7.proxy.AccessLog;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The access log, written by its own thread so that event loops never wait on a disk, a pipe or a socket, nor
 * pay for waking that thread: it polls a lock-free queue and writes in batches. Lines beyond the queue's
 * capacity are dropped and counted rather than slowing the proxy.
 */
final class AsyncAccessLog implements AccessLog, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(AsyncAccessLog.class.getName());
    private static final int CAPACITY = 65536;

    /** How long the writer sleeps when the queue is empty: lines wait at most this long, event loops never
     *  pay for waking it. */
    private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private final Queue<String> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicLong dropped = new AtomicLong();
    private final Sink sink;
    /** {@code global.log}, as the operator wrote it. */
    private final String destination;
    private final GlobalConfig.LogFormat format;
    private final RateLimitedLog writeFailures = new RateLimitedLog(LOG, System.Logger.Level.WARNING);
    private final RateLimitedLog drops = new RateLimitedLog(LOG, System.Logger.Level.WARNING);
    private final Thread writer;
    private volatile boolean running = true;

    private AsyncAccessLog(Sink sink, String destination, GlobalConfig.LogFormat format) {
        this.sink = sink;
        this.destination = destination;
        this.format = format;
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
            sink = new WriterSink(Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND));
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
            sink = new WriterSink(new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8)));
        }
        return new AsyncAccessLog(sink, destination, global.logFormat());
    }

    @Override
    public void log(String line) {
        if (queued.incrementAndGet() > CAPACITY) {
            queued.decrementAndGet();
            dropped.incrementAndGet();
            drops.event(() -> "access log: " + CAPACITY + " lines wait to be written, new lines are dropped (the "
                    + "destination is slower than the traffic; a local file or syslog:/dev/log keeps up best)");
            return;
        }
        queue.offer(line);
    }

    @Override
    public GlobalConfig.LogFormat format() {
        return format;
    }

    long droppedLines() {
        return dropped.get();
    }

    private void drainLoop() {
        List<String> batch = new ArrayList<>(1024);
        while (running || !queue.isEmpty()) {
            String line;
            while (batch.size() < 1024 && (line = queue.poll()) != null) {
                batch.add(line);
            }
            if (batch.isEmpty()) {
                LockSupport.parkNanos(IDLE_PARK_NANOS);
                continue;
            }
            queued.addAndGet(-batch.size());
            try {
                sink.write(batch);
            } catch (IOException e) {
                writeFailures.event(() -> "access log: cannot write to " + destination + " (" + e.getMessage()
                        + "); lines are dropped until it works again");
            }
            batch.clear();
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

    /** Where batches of lines go. */
    interface Sink extends AutoCloseable {
        void write(List<String> lines) throws IOException;

        @Override
        void close() throws IOException;
    }

    private record WriterSink(Writer out) implements Sink {
        @Override
        public void write(List<String> lines) throws IOException {
            for (String line : lines) {
                out.write(line);
                out.write('\n');
            }
            out.flush();
        }

        @Override
        public void close() throws IOException {
            out.flush();
        }
    }
}
