package io.tandem.core.health;

import io.netty.channel.ConnectTimeoutException;
import io.tandem.core.net.Descriptors;

import java.net.UnknownHostException;
import javax.net.ssl.SSLException;
import java.util.Locale;

/** Turns I/O exceptions into the short phrases operators read in check and connect logs ({@code connection refused}). */
public final class Failures {
    private Failures() {
    }

    /** The phrase for {@code cause}; {@code connectTimeoutMillis} is the limit a connect timeout hit. */
    public static String describe(Throwable cause, long connectTimeoutMillis) {
        if (cause instanceof ConnectTimeoutException) {
            // Netty's message repeats the address, which the log line names already; the delay is what matters.
            return "connect timeout after " + connectTimeoutMillis + "ms";
        }
        if (Descriptors.exhausted(cause)) {
            return Descriptors.exhaustedPhrase();
        }
        for (Throwable c = cause; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof SSLException) {
                // The engine's own message ("General OpenSslEngine problem") says nothing; the innermost cause does.
                Throwable root = c;
                while (root.getCause() != null && root.getCause() != root) {
                    root = root.getCause();
                }
                return "TLS handshake failed: " + (root.getMessage() == null ? root.getClass().getSimpleName()
                        : root.getMessage());
            }
        }
        if (cause instanceof UnknownHostException) {
            return "cannot resolve " + cause.getMessage();
        }
        String message = cause.getMessage() == null ? "" : cause.getMessage().toLowerCase(Locale.ROOT);
        if (message.contains("refused")) {
            return "connection refused";
        }
        if (message.contains("reset")) {
            return "connection reset";
        }
        if (message.contains("no route")) {
            return "no route to host";
        }
        if (message.contains("unreachable")) {
            return "network unreachable";
        }
        return message.isEmpty() ? cause.getClass().getSimpleName() : message;
    }
}
