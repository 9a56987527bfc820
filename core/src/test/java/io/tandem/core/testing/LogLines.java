package io.tandem.core.testing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Captures the operator log lines (System.Logger, through java.util.logging) of the {@code io.tandem} loggers while
 * open, formatted as operators read them; close it to stop capturing.
 */
public final class LogLines implements AutoCloseable {
    // Held strongly: java.util.logging keeps only weak references to loggers, and a collected logger loses its handler.
    private final Logger logger;
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord record) {
            lines.add(record.getLevel().getName() + " " + record.getMessage());
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    private LogLines(String name) {
        logger = Logger.getLogger(name);
        handler.setLevel(Level.INFO);
        logger.addHandler(handler);
    }

    /** Starts capturing what Tandem logs at INFO and above. */
    public static LogLines capture() {
        return new LogLines("io.tandem");
    }

    /** The lines captured so far that contain {@code text}. */
    public List<String> containing(String text) {
        return lines.stream().filter(line -> line.contains(text)).toList();
    }

    /** Every line captured so far, for a failure message. */
    public List<String> all() {
        return List.copyOf(lines);
    }

    @Override
    public void close() {
        logger.removeHandler(handler);
    }
}
