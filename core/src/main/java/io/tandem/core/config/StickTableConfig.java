package io.tandem.core.config;

import java.time.Duration;
import java.util.List;

/** A {@code stick-table} block: key type ({@code ip}, {@code string}), capacity, expiry and stored counters. */
public record StickTableConfig(String type, long size, Duration expire, List<String> store, SourcePos pos) {
}
