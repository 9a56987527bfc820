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

    /** The check protocols. */
    public enum Kind { HTTP, TCP }
}
