/**
 * TLS termination on l7 binds: each bind's certificates compiled into contexts chosen by SNI
 * ({@link io.tandem.l7.tls.TlsTerminator}), the session-ticket keys every context shares and rotates
 * ({@link io.tandem.l7.tls.TicketKeys}), and what a finished handshake tells the rules and the log
 * ({@link io.tandem.l7.tls.TlsSession}). Files are read and contexts built when the config is compiled, never on an
 * event loop.
 */
package io.tandem.l7.tls;
