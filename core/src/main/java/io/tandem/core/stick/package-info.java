/**
 * Stick tables: bounded, expiring tables of per-key data shared by the data path (persistence to a server,
 * request and connection counters for rate limiting) and, later, replicated by the cluster through
 * {@link io.tandem.core.stick.StickTableListener} and {@link io.tandem.core.stick.StickTable#apply}.
 */
package io.tandem.core.stick;
