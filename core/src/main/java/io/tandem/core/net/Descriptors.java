package io.tandem.core.net;

import java.lang.management.ManagementFactory;

/**
 * The process's open-files limit as operators meet it: the startup check that {@code global.maxconn} fits in it.
 */
public final class Descriptors {
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
