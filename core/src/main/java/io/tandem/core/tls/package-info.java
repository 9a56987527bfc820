/**
 * TLS shared by the tiers: which library runs it ({@link io.tandem.core.tls.TlsLibrary}), reading PEM files with
 * operator-readable errors ({@link io.tandem.core.tls.PemBundle}), and TLS to servers and their health checks
 * ({@link io.tandem.core.tls.TlsClient}). Everything here is built on the control path; the data path only asks a
 * built context for a handler.
 */
package io.tandem.core.tls;
