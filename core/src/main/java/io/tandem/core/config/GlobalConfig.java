package io.tandem.core.config;

import java.time.Duration;

/**
 * The {@code global} block. {@code workers} 0 means one event loop per core; {@code log} is {@code stdout},
 * {@code file:/path}, {@code syslog://host:port} or {@code none}; {@code hardStopAfter} bounds the drain on SIGTERM.
 */
public record GlobalConfig(String name, int workers, int maxconn, String log, Duration hardStopAfter) {
}
