package io.tandem.core.net;

import java.lang.management.ManagementFactory;
import java.util.Locale;

/**
 * The process's open-files limit as operators meet it: the startup check that {@code global.maxconn} fits in it,
 * and what to say when an accept or a connect fails because the process has used it all up.
 */
public final class Descriptors {
    /** What an operator does when the process runs out of descriptors. */
    public static final String ADVICE = "raise LimitNOFILE or lower maxconn";
    /** Descriptors beyond the two per proxied connection: listeners, health checks, logs, the JVM's own jars. */
    public static final long HEADROOM = 256;
    /** Below this, suggesting a lower maxconn would cripple the node: only raising the limit is advised. */
    static final long SMALLEST_ADVISED_MAXCONN = 64;

    private Descriptors() {
    }

    /** RLIMIT_NOFILE of this process, or -1 where the JVM cannot tell. */
    public static long limit() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean os) {
            return os.getMaxFileDescriptorCount();
        }
        return -1;
    }

    /** True when {@code cause} (or one of its causes) is EMFILE: this process is at its open-files limit. */
    public static boolean exhausted(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            String message = t.getMessage();
            if (message != null) {
                String text = message.toLowerCase(Locale.ROOT);
                // ENFILE ("... in system") is the whole machine's table: a kernel setting, not this process's limit.
                if (text.contains("too many open files") && !text.contains("in system")) {
                    return true;
                }
            }
        }
        return false;
    }

    /** {@code too many open files (limit 256)}, the phrase for an EMFILE failure. */
    public static String exhaustedPhrase() {
        long limit = limit();
        return "too many open files" + (limit > 0 ? " (limit " + limit + ")" : "");
    }

    /**
     * The startup warning when {@code maxconn} proxied connections (a client and a server descriptor each) would
     * not fit in {@code limit}, or null when they fit or the limit is unknown.
     */
    public static String shortageWarning(int maxconn, long limit) {
        long needed = 2L * maxconn + HEADROOM;
        if (limit < 0 || limit >= needed) {
            return null;
        }
        long fitting = (limit - HEADROOM) / 2;
        return "global.maxconn " + maxconn + " needs about " + needed + " file descriptors (2 per proxied connection + "
                + HEADROOM + ") but this process may open only " + limit + "; raise the limit (LimitNOFILE= in a "
                + "drop-in for tandem.service, ulimit -n in a shell)"
                + (fitting >= SMALLEST_ADVISED_MAXCONN ? " or lower maxconn to " + fitting : "")
                + "; until then, accepts and server connects fail once they run out";
    }
}
