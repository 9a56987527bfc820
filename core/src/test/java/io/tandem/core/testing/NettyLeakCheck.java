package io.tandem.core.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.internal.logging.InternalLoggerFactory;
import io.netty.util.internal.logging.JdkLoggerFactory;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Fails a test when Netty reports a leaked buffer ({@code LEAK:}) during it. Register it with
 * {@code @ExtendWith(NettyLeakCheck.class)}: detection runs at the paranoid level, every leak report is captured,
 * and after each test a garbage collection plus a few allocations make Netty report what the collector found.
 * A leak can only be reported once its object is unreachable, so a test that wants its own leaks attributed to
 * itself calls {@link #collect()} and then sends a little more traffic before it ends.
 */
public final class NettyLeakCheck implements BeforeEachCallback, AfterEachCallback {
    private static final List<String> LEAKS = new CopyOnWriteArrayList<>();
    // Held strongly: java.util.logging keeps only weak references to loggers, and a collected logger loses its handler.
    private static Logger detectorLogger;

    /** Starts capturing leak reports (idempotent) and turns detection to paranoid. */
    public static synchronized void install() {
        if (detectorLogger != null) {
            return;
        }
        if (!(InternalLoggerFactory.getDefaultFactory() instanceof JdkLoggerFactory)) {
            throw new IllegalStateException("Netty logs through " + InternalLoggerFactory.getDefaultFactory()
                    .getClass().getSimpleName() + ", not java.util.logging: leak reports would not be seen");
        }
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        Logger logger = Logger.getLogger(ResourceLeakDetector.class.getName());
        logger.addHandler(new Handler() {
            @Override
            public void publish(LogRecord record) {
                String message = record.getMessage();
                if (message != null && message.contains("LEAK:")) {
                    LEAKS.add(message);
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        });
        logger.setLevel(Level.ALL);
        detectorLogger = logger;
    }

    /** Number of leak reports so far: a mark to compare against. */
    public static int mark() {
        install();
        return LEAKS.size();
    }

    /** Leak reports captured after {@code mark}. */
    public static List<String> since(int mark) {
        return List.copyOf(LEAKS.subList(Math.min(mark, LEAKS.size()), LEAKS.size()));
    }

    /**
     * Collects garbage, then allocates: Netty reports leaks when it next tracks a buffer, after the collector has
     * found the lost ones. Allocations on other threads (a proxy's event loops) report them as well.
     */
    public static void collect() {
        install();
        for (int round = 0; round < 3; round++) {
            System.gc();
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            for (int i = 0; i < 8; i++) {
                ByteBuf probe = ByteBufAllocator.DEFAULT.buffer(16);
                probe.release();
                ByteBuf direct = ByteBufAllocator.DEFAULT.directBuffer(16);
                direct.release();
            }
        }
    }

    /** Fails with the reports when any leak was reported after {@code mark}. */
    public static void assertNoLeaksSince(int mark) {
        List<String> leaks = since(mark);
        if (!leaks.isEmpty()) {
            throw new AssertionError(leaks.size() + " Netty leak report(s):\n" + String.join("\n\n", leaks));
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        context.getStore(ExtensionContext.Namespace.create(NettyLeakCheck.class)).put("mark", mark());
    }

    @Override
    public void afterEach(ExtensionContext context) {
        Integer mark = context.getStore(ExtensionContext.Namespace.create(NettyLeakCheck.class))
                .get("mark", Integer.class);
        collect();
        assertNoLeaksSince(mark == null ? 0 : mark);
    }
}
