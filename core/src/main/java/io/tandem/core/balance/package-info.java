/**
 * Servers and balancing, shared by L7 backends and L4 services: a server's live state (up, drained, active
 * connections), a pool with its persistence-cookie lookup and FIFO {@code maxconn} queue, and one {@link
 * io.tandem.core.balance.Balancer} per {@code balance} algorithm (roundrobin, leastconn, source/uri/hdr hashing,
 * random, maglev), all picking only usable servers and backups only when no active server is usable.
 */
package io.tandem.core.balance;
