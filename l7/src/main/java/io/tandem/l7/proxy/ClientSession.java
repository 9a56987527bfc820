package io.tandem.l7.proxy;

import java.net.InetSocketAddress;

/**
 * One open client connection as the runtime API's {@code show sessions} lists it: its frontend, client, when it was
 * accepted, how many requests it has started, and where its current request went ({@code -} when it is between
 * requests, a tunnel's backend and server while it tunnels).
 */
public record ClientSession(String frontend, InetSocketAddress client, long acceptedAtMillis, long requests,
                            String backend, String server) {
}
