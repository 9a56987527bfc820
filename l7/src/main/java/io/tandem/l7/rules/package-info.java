/**
 * The {@code http-request} and {@code http-response} rules of frontends and backends ({@code allow}, {@code deny},
 * {@code redirect}, {@code return}, header edits, {@code track-scN}) and the {@code use-backend} lines, compiled
 * from their config text with every error at its column.
 */
package io.tandem.l7.rules;
