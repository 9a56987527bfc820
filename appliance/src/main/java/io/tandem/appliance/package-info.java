/**
 * The appliance: the {@code tandem} command line (run, check, demo, version), the daemon that starts the event
 * loops, health checks, L7 proxy, L4 services, access log, VRRP and the stats endpoint from one checked config and
 * stops them in order on SIGTERM or SIGINT, the operator log format, the asynchronous access-log writer and the
 * demo backends.
 */
package io.tandem.appliance;
