/**
 * The pair as one system: a JGroups cluster between the Tandem nodes (built in code from the {@code cluster}
 * section, authenticated and encrypted with its secret) that replicates the stick tables and their per-node rate
 * counters, hands a joining node the full tables before it counts as ready, and reconverges after a partition;
 * on request ({@code share: server-states}, {@code config}) it also carries the runtime API's admin changes and the
 * shared config sections, each with its peer's reply, and announces every node's config version (a node behind
 * is sent the newest); the coordinator's TLS session-ticket keys go to every node.
 * Everything here runs on the cluster's own threads; the data path only marks entries dirty.
 */
package io.tandem.cluster;
