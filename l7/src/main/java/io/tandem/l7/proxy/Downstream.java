package io.tandem.l7.proxy;

import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.tandem.core.balance.Server;
import io.tandem.core.balance.ServerPool;
import io.tandem.core.net.InactivityTimer;
import io.tandem.l7.tls.TlsSession;

import java.net.InetSocketAddress;

/**
 * The client side of one {@link Exchange}, as the protocol that carries the request implements it (HTTP/1:
 * {@link Http1Downstream}): who asks, how the response goes back, how the request body is paced, and how the
 * exchange ends. Every method runs on {@link #eventLoop()}.
 */
interface Downstream {

    /** The frontend the request came in on. */
    FrontendRuntime frontend();

    /** The real client: the TCP peer, or the source a PROXY header announced. */
    InetSocketAddress peer();

    /** The TLS session the request came over, or null for plain text. */
    TlsSession tls();

    /** True for the first request of the client's connection. */
    boolean firstRequest();

    /** The loop the exchange runs on; its server connection is made on it too. */
    EventLoop eventLoop();

    /** {@code timeout client} of the exchange: inactivity while its request body arrives. */
    InactivityTimer clientTimer();

    /** {@code timeout server} of the exchange: inactivity while the server owes a response. */
    InactivityTimer serverTimer();

    /** True when the request has a body to come after its head. */
    boolean requestHasBody();

    /**
     * Removes from {@code request} what described the client's connection rather than the request, once the rules
     * have run, and returns the protocol the request asks to switch to, or null.
     */
    String takeConnectionHeaders(HttpRequest request);

    /**
     * True when the client takes any 2xx answer to its upgrade for the switch itself (an HTTP/2 extended CONNECT,
     * RFC 8441): a server that answers the upgrade with a 2xx but does not switch is then a broken server (502).
     * False for HTTP/1, whose client reads a 2xx as the refusal it is.
     */
    boolean upgradeNeedsSwitch();

    /** Resumes (true) or pauses (false) reading the request body: back-pressure from the server's side. */
    void readRequestBody(boolean read);

    /** True while the client takes more of the response without it piling up in the proxy. */
    boolean isWritable();

    /**
     * A response the proxy makes itself (deny, redirect, return). True when the exchange goes on until the request
     * has been read to its end, then {@link #finish}es; false when the downstream ended it (logged and closed).
     */
    boolean respond(FullHttpResponse response, ExchangeLog log);

    /** An interim (1xx) response head, or a part of it. */
    void sendInterim(HttpObject part);

    /** The final response head; {@code requestComplete} is false when the server answers before the request ended. */
    void sendHead(HttpResponse response, boolean requestComplete);

    void sendContent(HttpContent content);

    void flush();

    /**
     * The server answered the upgrade with {@code 101}: the response goes to the client, then the two sides relay
     * the new protocol until either closes or {@code tunnelTimeoutMillis} pass idle; {@code server} stays taken in
     * {@code pool} until then.
     */
    void switchProtocols(HttpResponse response, UpstreamConnection upstream, ServerPool pool, Server server,
                         ExchangeLog log, long tunnelTimeoutMillis);

    /** The response is complete: the exchange is logged; the client side goes on when {@code requestComplete}. */
    void finish(ExchangeLog log, boolean requestComplete);

    /**
     * The exchange failed before its response started: answers {@code response} (an error the proxy made), logs,
     * and ends the client side.
     */
    void fail(FullHttpResponse response, ExchangeLog log);

    /**
     * The exchange ends where it stands (a response cut short, a client gone): logs and ends the client side.
     * {@code trailers}, when not null, end the response for a client whose protocol carries them (HTTP/2: gRPC's
     * status of a response the server cut) instead of a reset; HTTP/1 closes the connection either way.
     */
    void abort(ExchangeLog log, HttpHeaders trailers);

    /**
     * True when the client's protocol can tell it that the request was not processed, so that it may send it again
     * (HTTP/2: RST_STREAM REFUSED_STREAM, which gRPC clients retry transparently); HTTP/1 cannot.
     */
    boolean canRefuse();

    /**
     * The server did not process the request and it goes nowhere else: tells the client so (see {@link #canRefuse},
     * called only when it is true), logs, and ends the client side.
     */
    void refuse(ExchangeLog log);
}
