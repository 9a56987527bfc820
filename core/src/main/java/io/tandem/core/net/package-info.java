/**
 * Event-loop resources every tier shares: the one event-loop group of the process (native epoll on Linux, NIO
 * elsewhere) with its channel classes, an inactivity timer that costs no scheduler work per touch, and a workaround
 * for a Netty epoll bug that half-closed relays hit.
 */
package io.tandem.core.net;
