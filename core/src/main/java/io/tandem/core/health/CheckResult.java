package io.tandem.core.health;

import java.time.Instant;

/**
 * One check's outcome, kept as a server's last result; its detail is what a state-change log line says.
 *
 * @param detail what was seen, in operators' words: {@code HTTP 200}, {@code connection refused},
 *               {@code timeout after 2000ms}
 */
public record CheckResult(boolean passed, String detail, long durationMillis, Instant finishedAt) {
}
