package io.tandem.appliance;

import io.tandem.l7.proxy.AccessLog;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
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
    private final Thread writer;
    private volatile boolean running = true;

    private AsyncAccessLog(Sink sink) {
        this.sink = sink;
        this.writer = new Thread(this::drainLoop, "tandem-access-log");
        writer.setDaemon(true);
        writer.start();
    }

    /**
     * Opens the destination named by {@code global.log}: {@code stdout}, {@code file:/path}, {@code syslog://h:p};
     * null for {@code none}.
     */
    static AsyncAccessLog open(String destination, String nodeName) throws IOException {
        if (destination.equals("none")) {
            return null;
        }
        if (destination.startsWith("file:")) {
            Path file = Path.of(destination.substring("file:".length()));
            Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
            return new AsyncAccessLog(new WriterSink(out));
        }
        if (destination.startsWith("syslog://")) {
            URI uri = URI.create(destination);
            int port = uri.getPort() > 0 ? uri.getPort() : 514;
            return new AsyncAccessLog(new SyslogSink(new InetSocketAddress(uri.getHost(), port), nodeName));
        }
        return new AsyncAccessLog(new WriterSink(new BufferedWriter(
                new OutputStreamWriter(System.out, StandardCharsets.UTF_8))));
    }

    @Override
    public void log(String line) {
        if (queued.incrementAndGet() > CAPACITY) {
            queued.decrementAndGet();
            dropped.incrementAndGet();
            return;
        }
        queue.offer(line);
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
                LOG.log(System.Logger.Level.WARNING, "access log write failed: " + e.getMessage()
                        + " (lines are dropped until the destination works again)");
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
    private interface Sink extends AutoCloseable {
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

    /** RFC 3164-style datagrams, facility local0, severity info, as HAProxy sends them. */
    private static final class SyslogSink implements Sink {
        private final DatagramSocket socket;
        private final InetSocketAddress target;
        private final String prefix;

        SyslogSink(InetSocketAddress target, String nodeName) throws IOException {
            this.socket = new DatagramSocket();
            this.target = target;
            this.prefix = "<134>" + nodeName + " tandem: ";
        }

        @Override
        public void write(List<String> lines) throws IOException {
            for (String line : lines) {
                byte[] bytes = (prefix + line).getBytes(StandardCharsets.UTF_8);
                socket.send(new DatagramPacket(bytes, bytes.length, target));
            }
        }

        @Override
        public void close() {
            socket.close();
        }
    }
}
