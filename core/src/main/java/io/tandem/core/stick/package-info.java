/**
 * Stick tables: bounded, expiring tables of per-key data for the data path (persistence to a server, request and
 * connection counters for rate limiting), with what copying a table to another node takes: change listeners
 * ({@link io.tandem.core.stick.StickTableListener}), entry snapshots and {@link io.tandem.core.stick.StickTable#apply}.
 */
package io.tandem.core.stick;
