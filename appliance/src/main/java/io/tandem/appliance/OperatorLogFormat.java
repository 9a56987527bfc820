package io.tandem.appliance;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** One line per event for operators: {@code 2026-11-24T19:40:00.123 WARNING message}, a cause on the same line. */
final class OperatorLogFormat extends Formatter {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS",
            Locale.ROOT).withZone(ZoneId.systemDefault());

    @Override
    public String format(LogRecord record) {
        StringBuilder line = new StringBuilder(128)
                .append(TIME.format(Instant.ofEpochMilli(record.getMillis()))).append(' ')
                .append(record.getLevel().getName()).append(' ')
                .append(formatMessage(record));
        Throwable thrown = record.getThrown();
        if (thrown != null) {
            line.append(" (").append(thrown).append(')');
        }
        return line.append(System.lineSeparator()).toString();
    }

    /** Routes the JDK's logging (which System.Logger uses) to stderr in this format; {@code verbose} shows FINE. */
    static void install(boolean verbose) {
        Logger root = Logger.getLogger("");
        for (Handler handler : root.getHandlers()) {
            root.removeHandler(handler);
        }
        ConsoleHandler console = new ConsoleHandler();
        console.setFormatter(new OperatorLogFormat());
        Level level = verbose ? Level.FINE : Level.INFO;
        console.setLevel(level);
        root.setLevel(level);
        root.addHandler(console);
        // Netty's own debug chatter is not for operators.
        Logger.getLogger("io.netty").setLevel(Level.WARNING);
    }
}
