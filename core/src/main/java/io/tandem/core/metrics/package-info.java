/**
 * Traffic counters of the live state: what the data path counts (lock-free, allocation-free on the hot path) and
 * what the metrics endpoint, the stats page and the runtime API read. Counters are filed in the runtime state under
 * the names of {@link io.tandem.core.metrics.CounterKeys}, so they outlive a recompile.
 */
package io.tandem.core.metrics;
