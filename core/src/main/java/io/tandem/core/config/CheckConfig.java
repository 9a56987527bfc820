package io.tandem.core.config;

import java.time.Duration;

/**
 * A {@code check} block: an HTTP check ({@code http: METHOD PATH}, optional {@code host}) or a TCP connect
 * check (optional {@code send} text), with an expectation, interval and fall/rise thresholds.
 * For HTTP, {@code expectStatus} (default 2xx/3xx when 0) or {@code expectString} (in the body); for TCP,
 * {@code expectString} is the text the reply must contain.
 */
public record CheckConfig(Kind kind, String method, String path, String host, String send, int expectStatus,
                          String expectString, Duration inter, int fall, int rise, SourcePos pos) {

    /** True when {@code other} checks the same way, wherever in the file it is written. */
    public boolean sameSettings(CheckConfig other) {
        return equals(new CheckConfig(other.kind, other.method, other.path, other.host, other.send,
                other.expectStatus, other.expectString, other.inter, other.fall, other.rise, pos));
    }

    /** The check protocols. */
    public enum Kind { HTTP, TCP }
}
