/**
 * The stats endpoint ({@code admin.stats}): Prometheus metrics and the live stats page with its JSON, served by a
 * small HTTP server on the shared event loops. Everything shown is read at request time from the live state (the
 * counters of {@link io.tandem.core.metrics}, servers, pools, VRRP instances) through one {@link
 * io.tandem.appliance.stats.LiveView}; nothing is counted here.
 */
package io.tandem.appliance.stats;
