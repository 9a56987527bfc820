package io.tandem.l7.proxy;

import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpRequest;
import io.tandem.core.balance.Server;

/** Makes server connections for exchanges, in the protocol the servers speak (HTTP/1.1: {@link Upstreams}). */
interface UpstreamConnector {

    /**
     * Turns {@code request}, through the rules and rid of the client's connection headers, into what a server of
     * {@code backend} is sent; {@code upgrade} is the protocol the client asks to switch to, or null.
     */
    void adaptRequest(HttpRequest request, String upgrade, BackendRuntime backend);

    /**
     * Hands {@code listener} a connection to {@code server}: an idle one if there is one and {@code mayReuse}, else
     * a new one. Must be called on {@code loop}, where the connection's events then arrive.
     */
    void acquire(EventLoop loop, Server server, int connectTimeoutMillis, boolean mayReuse,
                 UpstreamListener listener);
}
