package io.tandem.vrrp.runtime;

import java.net.InetAddress;

/**
 * The last advertisement an instance accepted from another router: who sent it, with which priority and interval
 * (centiseconds), and when it arrived (epoch milliseconds). Priority 0 means that master was leaving.
 */
public record PeerAdvert(InetAddress source, int priority, int intervalCentis, long receivedAtMillis) {
}
