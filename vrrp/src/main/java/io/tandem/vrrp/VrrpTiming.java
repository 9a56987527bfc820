package io.tandem.vrrp;

import java.time.Duration;

/**
 * VRRP's timer arithmetic. Intervals travel in centiseconds (RFC 5798's 12-bit Max Adver Int; RFC 3768's
 * whole-second Adver Int is carried as seconds × 100 here), timers run in nanoseconds.
 *
 * <p>Skew_Time follows each RFC's units: v3 computes {@code ((256 − Priority) × Master_Adver_Interval) / 256} in
 * whole centiseconds (RFC 5798 §6.1 gives it "in centiseconds"; keepalived truncates the same way), v2 computes
 * {@code (256 − Priority) / 256} seconds, which is exact in nanoseconds.
 */
public final class VrrpTiming {
    /** One centisecond in nanoseconds. */
    public static final long CENTISECOND_NANOS = 10_000_000L;
    /** The largest v3 Max Adver Int (12 bits): 40.95s. */
    public static final int MAX_V3_CENTIS = 4095;
    /** The largest v2 Adver Int (8 bits), in seconds. */
    public static final int MAX_V2_SECONDS = 255;
    private static final long SECOND_NANOS = 1_000_000_000L;

    private VrrpTiming() {
    }

    /**
     * An advertisement interval in centiseconds: for v3 a multiple of 10ms in 10ms..40.95s, for v2 whole seconds
     * in 1s..255s. Throws {@link IllegalArgumentException} otherwise (the config loader has checked already).
     */
    public static int toCentis(int version, Duration interval) {
        long millis = interval.toMillis();
        boolean valid = version == 3
                ? interval.toNanos() % CENTISECOND_NANOS == 0 && millis >= 10 && millis / 10 <= MAX_V3_CENTIS
                : interval.toNanos() % SECOND_NANOS == 0 && millis >= 1000 && millis / 1000 <= MAX_V2_SECONDS;
        if (!valid) {
            throw new IllegalArgumentException("VRRPv" + version + " cannot advertise every " + interval);
        }
        return (int) (millis / 10);
    }

    public static long centisToNanos(int centis) {
        return centis * CENTISECOND_NANOS;
    }

    /** Skew_Time for a router of {@code priority} that hears a master advertising every {@code masterAdverCentis}. */
    public static long skewNanos(int version, int priority, int masterAdverCentis) {
        if (version == 3) {
            return centisToNanos((256 - priority) * masterAdverCentis / 256);
        }
        return (256 - priority) * SECOND_NANOS / 256;
    }

    /** Master_Down_Interval = 3 × Master_Adver_Interval + Skew_Time. */
    public static long masterDownNanos(int version, int priority, int masterAdverCentis) {
        return 3 * centisToNanos(masterAdverCentis) + skewNanos(version, priority, masterAdverCentis);
    }
}
