package io.tandem.l7.proxy;

import io.netty.channel.Channel;
import io.netty.handler.codec.haproxy.HAProxyMessage;

import io.tandem.l7.tls.TlsSession;

import java.net.InetSocketAddress;

/**
 * One client connection of a frontend, whatever protocol it speaks (HTTP/1: {@link ClientConnection}, HTTP/2:
 * {@link Http2Connection}): what the proxy needs to count it, log its exchanges, and drain it.
 */
interface FrontendConnection {

    Channel channel();

    /** The proxy it belongs to: its snapshot, and the log of its exchanges. */
    ProxyContext proxy();

    /** The frontend its current (HTTP/1) or newest (HTTP/2) exchange runs on. */
    FrontendRuntime frontend();

    /** The real client: the TCP peer, or the source a PROXY header announced. */
    InetSocketAddress peer();

    /** What its TLS handshake settled, or null on a plain-text bind. */
    TlsSession tls();

    /** The connection as {@code show sessions} lists it. Event loop only. */
    ClientSession describe();

    /**
     * The client {@code header} (a PROXY header, released here) announces, else {@code peer}: a header of a
     * connection the sender made itself ({@code LOCAL}) has no source address.
     */
    static InetSocketAddress announcedPeer(HAProxyMessage header, InetSocketAddress peer) {
        try {
            return header.sourceAddress() == null ? peer
                    : new InetSocketAddress(header.sourceAddress(), header.sourcePort());
        } finally {
            header.release();
        }
    }

    /** Closes once the exchanges in flight end (shutdown drain, or a reload removed its bind). Event loop only. */
    void closeWhenIdle();
}
