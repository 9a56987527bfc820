package io.tandem.core.config;

import java.time.Duration;

/**
 * The {@code global} block. {@code workers} 0 means one event loop per core; {@code log} is {@code stdout},
 * {@code file:/path}, {@code syslog://host:port}, {@code syslog:/path} (a local datagram socket) or {@code none};
 * {@code hardStopAfter} bounds the drain on SIGTERM; {@code logFormat} is the access-log layout.
 */
public record GlobalConfig(String name, int workers, int maxconn, String log, Duration hardStopAfter,
                           LogFormat logFormat) {

    /** {@code global.log-format}: HAProxy's {@code httplog} line, or one JSON object per line. */
    public enum LogFormat {
        HTTPLOG, JSON
    }
}
