/**
 * Running VRRP: one instance per configured {@code vrrp.instances} entry, which drives the pure state machine on its
 * own thread around the sockets and address plumbing of {@code io.tandem.vrrp.io}, wired to parts with one job each
 * (keepalived's split): advertisements on the wire, VIP ownership, announcements, priority and fault tracking (pure),
 * tracked scripts, notify commands; sync groups that move their members together; and the service that starts and
 * stops every instance of a config.
 */
package io.tandem.vrrp.runtime;
