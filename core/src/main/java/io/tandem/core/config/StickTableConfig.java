package io.tandem.core.config;

import java.time.Duration;
import java.util.List;

/**
 * A {@code stick-table} block: key type ({@code ip}, {@code ipv6}, {@code string}, {@code integer}), capacity in
 * entries, expiry (null: entries never expire and the oldest are evicted when full) and stored data
 * ({@code http_req_rate(10s)}, ...), each with its position; {@code io.tandem.core.stick} checks and compiles them.
 */
public record StickTableConfig(String type, long size, Duration expire, List<Located<String>> store, SourcePos pos) {
}
