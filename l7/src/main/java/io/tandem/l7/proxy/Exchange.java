package io.tandem.l7.proxy;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.tandem.core.balance.Server;
import io.tandem.core.balance.ServerChoice;
import io.tandem.core.balance.ServerPool;
import io.tandem.core.config.ForwardFor;
import io.tandem.core.config.HostPort;
import io.tandem.core.config.Timeouts;
import io.tandem.core.metrics.HttpCounters;
import io.tandem.core.metrics.TrafficCounters;
import io.tandem.core.net.InactivityTimer;
import io.tandem.l7.compress.Algorithm;
import io.tandem.l7.compress.BodyCompressor;
import io.tandem.l7.compress.ResponseCompression;
import io.tandem.l7.rules.RuleResult;

import java.net.InetAddress;
import java.util.ArrayDeque;

/**
 * One request and its response, whatever protocol carries them: rules, routing, server choice (cookie, stick-on,
 * balancer, queue), the server connection (with retries), streaming both bodies with back-pressure, timeouts, and
 * the access-log record. The client side is a {@link Downstream}, the server side an {@link UpstreamConnector}; what
 * is particular to a protocol (keep-alive, hop-by-hop headers, framing) is theirs. Runs entirely on the
 * downstream's event loop.
 */
final class Exchange implements UpstreamListener, ServerPool.AcquireCallback {
    private final Downstream downstream;
    private final UpstreamConnector connector;
    private final HttpRequest request;
    private final HttpRequestFacts facts;
    private final ExchangeLog log;
    /** A gRPC request: the proxy's own errors go back in gRPC's form (see ErrorResponses.grpc). */
    private final boolean grpc;
    /** Body bytes held while the server connection is being made; more pauses reading from the client. */
    private static final int MAX_PENDING_BODY_BYTES = 64 * 1024;

    /**
     * Request body held, as sent, while an HTTP/2 server may still refuse the stream: a refused request goes to another
     * server with it (HAProxy's {@code l7-retries}, whose request must fit its buffer). A bigger body is not held.
     */
    private static final int MAX_HELD_BODY_BYTES = 64 * 1024;

    /** Created by the first body part that arrives before the server connection: most requests have none. */
    private ArrayDeque<HttpContent> pendingBody;
    private int pendingBytes;
    /** Copies of the body parts sent to an HTTP/2 server until its response starts (see MAX_HELD_BODY_BYTES). */
    private ArrayDeque<HttpContent> heldBody;
    private int heldBytes;
    /** A part of the body went to a server without a copy held: the request cannot be sent again. */
    private boolean bodyGone;
    private BackendRuntime backend;
    private Server server;
    private ServerChoice choice;
    private Server cookieServer;
    private UpstreamConnection upstream;
    private boolean reusedUpstream;
    private boolean requestComplete;
    private boolean replaying;
    private boolean answeredLocally;
    private boolean responseStarted;
    private boolean informational;
    private String upgradeProtocol;
    private boolean finished;
    private String requestCookie;
    private String stickKey;
    private InactivityTimer serverTimer;
    private InactivityTimer clientTimer;
    /** The algorithm the request selected for its response, or null; the compressor once the response uses it. */
    private Algorithm compression;
    private BodyCompressor compressor;

    Exchange(Downstream downstream, UpstreamConnector connector, HttpRequest request) {
        this.downstream = downstream;
        this.connector = connector;
        this.request = request;
        this.facts = new HttpRequestFacts(request, downstream.peer().getAddress(), downstream.tls(),
                downstream.firstRequest());
        this.grpc = ErrorResponses.isGrpc(request.headers().get(HttpHeaderNames.CONTENT_TYPE));
        this.log = new ExchangeLog(request.method().name(), request.uri(), request.protocolVersion().text());
    }

    ExchangeLog log() {
        return log;
    }

    boolean requestComplete() {
        return requestComplete;
    }

    void start() {
        log.requestDoneNanos = System.nanoTime();
        FrontendRuntime frontend = downstream.frontend();
        if (answeredByRules(frontend.requestRules().apply(facts, request.headers()))) {
            return;
        }
        backend = frontend.route(facts);
        if (backend == null) {
            fail(503, ExchangeLog.Cause.PROXY, ExchangeLog.Phase.REQUEST);
            return;
        }
        log.backend = backend.name();
        log.backendCounters = backend.counters();
        if (answeredByRules(backend.requestRules().apply(facts, request.headers()))) {
            return;
        }
        requestCookie = backend.persistenceCookie(request.headers());
        stickKey = backend.stickKey(facts);
        compression = ResponseCompression.negotiate(frontend.config().compression(), backend.config().compression(),
                request);
        if (backend.cookie() != null) {
            log.cookieRequest = 'N';
            log.cookieResponse = 'N';
        }
        prepareUpstreamRequest();
        Timeouts timeouts = backend.timeouts();
        clientTimer = downstream.clientTimer();
        clientTimer.start(timeouts.client().toMillis());
        serverTimer = downstream.serverTimer();
        choice = new ServerChoice(backend.pool(), backend.retries(), downstream.eventLoop(), timeouts.queue(), this);
        chooseServer();
    }

    private boolean answeredByRules(RuleResult result) {
        if (result instanceof RuleResult.Deny deny) {
            log.terminate(ExchangeLog.Cause.PROXY, ExchangeLog.Phase.REQUEST);
            log.outcome = HttpCounters.Outcome.DENIED;
            answerLocally(errorResponse(deny.status()));
            return true;
        }
        if (result instanceof RuleResult.Redirect redirect) {
            answerLocally(ErrorResponses.redirect(redirect.code(), redirect.location(), false));
            return true;
        }
        if (result instanceof RuleResult.Return fixed) {
            answerLocally(ErrorResponses.fixed(fixed.status(), fixed.contentType(), fixed.body()));
            return true;
        }
        return false;
    }

    /**
     * A response the proxy makes itself (deny, redirect, return). The downstream either keeps the exchange until the
     * request has been read to its end or ends it at once; in the second case it must find the exchange finished.
     */
    private void answerLocally(FullHttpResponse response) {
        log.status = response.status().code();
        finished = true;
        if (downstream.respond(response, log)) {
            finished = false;
            answeredLocally = true;
            if (requestComplete) {
                finishLocalAnswer();
            }
        }
    }

    private void finishLocalAnswer() {
        finished = true;
        downstream.finish(log, true);
    }

    private void prepareUpstreamRequest() {
        HttpHeaders headers = request.headers();
        upgradeProtocol = downstream.takeConnectionHeaders(request);
        connector.adaptRequest(request, upgradeProtocol, backend);
        ForwardFor forwardFor = downstream.frontend().config().forwardfor();
        if (forwardFor.enabled()) {
            InetAddress source = downstream.peer().getAddress();
            if (!forwardFor.trusts(source)) {
                headers.set("X-Forwarded-For", HostPort.text(source));
                headers.set("X-Forwarded-Proto", "http");
            } else if (!headers.contains("X-Forwarded-Proto")) {
                headers.set("X-Forwarded-Proto", "http");
            }
        }
        if (backend.cookie() != null && backend.cookie().indirect() && requestCookie != null) {
            backend.stripPersistenceCookie(headers);
        }
    }

    /** Persistence first (the cookie's server, then the stick-on entry's), else the balancer: see ServerChoice. */
    private void chooseServer() {
        if (requestCookie != null) {
            cookieServer = backend.pool().byCookie(requestCookie);
            if (cookieServer == null) {
                log.cookieRequest = backend.pool().hasCookie(requestCookie) ? 'D' : 'I';
            }
        }
        // stick match: the server this key stuck to, when it is usable and has room; else balance and re-stick.
        Server stuck = stickKey == null ? null : backend.stuckServer(stickKey);
        choice.start(backend.hashKey(facts), cookieServer, stuck);
    }

    @Override
    public void onAcquired(Server chosen) {
        if (finished) {
            backend.pool().release(chosen);
            return;
        }
        server = chosen;
        if (chosen == cookieServer && choice.persisted()) {
            log.cookieRequest = 'V';
        }
        log.queueDoneNanos = System.nanoTime();
        log.server = chosen.name();
        log.serverCounters = backend.counters(chosen);
        Server failed = choice.lastFailed();
        if (failed != null) {
            TrafficCounters.retried(backend.counters(), backend.counters(failed), failed == chosen);
        }
        if (!choice.persisted() && failed != chosen) {
            // As HAProxy's lbtot: a retry that the balancer sends back to the server that failed is no new pick.
            backend.counters().balancedOnce();
            log.serverCounters.balancedOnce();
        }
        connect(true);
    }

    @Override
    public void onQueueTimeout() {
        if (!finished) {
            fail(503, ExchangeLog.Cause.SERVER_TIMEOUT, ExchangeLog.Phase.QUEUE);
        }
    }

    @Override
    public void onNoServer() {
        if (finished) {
            return;
        }
        fail(503, ExchangeLog.Cause.SERVER_ABORT, ExchangeLog.Phase.CONNECT);
    }

    private void connect(boolean mayReuse) {
        int connectTimeout = (int) Math.min(Integer.MAX_VALUE, backend.timeouts().connect().toMillis());
        connector.acquire(downstream.eventLoop(), server, connectTimeout, mayReuse, this);
    }

    @Override
    public void onUpstreamReady(UpstreamConnection connection, boolean reused) {
        if (finished) {
            connection.discard();
            return;
        }
        upstream = connection;
        reusedUpstream = reused;
        log.connectedNanos = System.nanoTime();
        backend.counters().upstream(reused);
        log.serverCounters.upstream(reused);
        if (stickKey != null) {
            // stick store-request, once the server took the connection: a failed server is never stored.
            backend.stick(stickKey, server);
        }
        upstream.send(request);
        if (replaying) {
            // A replayed request has no body (see onUpstreamClosed): only its end is left to send.
            upstream.send(LastHttpContent.EMPTY_LAST_CONTENT);
        }
        if (heldBody != null) {
            // A refused stream's body goes again, still held in case this server refuses it too.
            for (HttpContent held : heldBody) {
                upstream.send(held.retainedDuplicate());
            }
        }
        if (pendingBody != null) {
            HttpContent content;
            while ((content = pendingBody.poll()) != null) {
                sendBody(content);
            }
        }
        upstream.flush();
        if (requestComplete) {
            serverTimer.start(backend.timeouts().server().toMillis());
        } else if (upstream.isWritable()) {
            downstream.readRequestBody(true);
        }
    }

    @Override
    public void onUpstreamConnectFailed(Throwable cause) {
        if (finished) {
            return;
        }
        backend.counters().connectError();
        log.serverCounters.connectError();
        backend.counters().upstream(false);
        log.serverCounters.upstream(false);
        backend.connectFailures().failed(server, cause, backend.timeouts().connect().toMillis());
        if (choice.canRetry()) {
            Server failed = server;
            releaseServer();
            log.retries++;
            // Counted once the next attempt has its server: a retry if it is this one again, else a redispatch.
            choice.retry(failed);
        } else {
            fail(503, ExchangeLog.Cause.SERVER_ABORT, ExchangeLog.Phase.CONNECT);
        }
    }

    void onRequestContent(HttpContent content) {
        if (content.decoderResult().isFailure() && !finished) {
            // Once the exchange is over (an early error answer), a body cut short is only the client leaving.
            ReferenceCountUtil.release(content);
            abort(ExchangeLog.Cause.CLIENT_ABORT, ExchangeLog.Phase.DATA, 400);
            return;
        }
        boolean last = content instanceof LastHttpContent;
        if (finished || answeredLocally) {
            ReferenceCountUtil.release(content);
            if (last) {
                requestComplete = true;
                if (answeredLocally && !finished) {
                    finishLocalAnswer();
                }
            }
            return;
        }
        log.bytesFromClient += content.content().readableBytes();
        if (upstream == null) {
            if (pendingBody == null) {
                pendingBody = new ArrayDeque<>(2);
            }
            pendingBody.add(content);
            pendingBytes += content.content().readableBytes();
            if (pendingBytes > MAX_PENDING_BODY_BYTES) {
                // No server connection yet: buffer a little of the body, then stop reading until it is there.
                downstream.readRequestBody(false);
            }
        } else {
            sendBody(content);
            if (!upstream.isWritable()) {
                downstream.readRequestBody(false);
            }
        }
        if (last) {
            requestComplete = true;
            clientTimer.cancel();
            if (upstream != null) {
                upstream.flush();
                serverTimer.start(backend.timeouts().server().toMillis());
            }
        } else {
            clientTimer.touch();
        }
    }

    /** Sends a body part, holding a copy while an HTTP/2 server may refuse the stream and the body is small. */
    private void sendBody(HttpContent content) {
        if (!bodyGone && !responseStarted) {
            int size = content.content().readableBytes();
            if (server.config().h2() && heldBytes + size <= MAX_HELD_BODY_BYTES) {
                if (heldBody == null) {
                    heldBody = new ArrayDeque<>(2);
                }
                heldBody.add(content.retainedDuplicate());
                heldBytes += size;
            } else {
                bodyGone = true;
                releaseHeldBody();
            }
        }
        upstream.send(content);
    }

    void onClientReadComplete() {
        if (upstream != null && !finished) {
            upstream.flush();
        }
    }

    void onClientWritabilityChanged(boolean writable) {
        if (upstream != null && !finished) {
            upstream.readFromServer(writable);
        }
    }

    @Override
    public void onUpstreamWritabilityChanged(boolean writable) {
        if (!finished && !requestComplete) {
            downstream.readRequestBody(writable);
        }
    }

    @Override
    public void onUpstreamMessage(Object msg) {
        if (finished) {
            ReferenceCountUtil.release(msg);
            return;
        }
        serverTimer.touch();
        if (msg instanceof HttpResponse response) {
            if (!onResponseHead(response)) {
                ReferenceCountUtil.release(msg);
                return;
            }
        }
        if (msg instanceof HttpContent content) {
            if (content.decoderResult().isFailure()) {
                // The server broke its body's framing (a bad chunk, a close mid-body): the client must not take
                // what it got for the whole response, and the server connection is out of step.
                ReferenceCountUtil.release(msg);
                abort(ExchangeLog.Cause.SERVER_ABORT, ExchangeLog.Phase.DATA, 502);
                return;
            }
            onResponseContent(content);
        }
    }

    /** Returns false when the head was refused and the exchange already failed. */
    private boolean onResponseHead(HttpResponse response) {
        if (response.decoderResult().isFailure()) {
            upstreamBroken();
            return false;
        }
        int status = response.status().code();
        if (status == 101) {
            if (upgradeProtocol == null || !requestComplete) {
                // Only an upgrade the client asked for, with its request fully sent, can switch protocols.
                upstreamBroken();
                return false;
            }
            responseStarted();
            log.status = status;
            startTunnel(response);
            return true;
        }
        if (status < 300 && status >= 200 && upgradeProtocol != null && downstream.upgradeNeedsSwitch()) {
            // The client would take this answer for the switch it asked for.
            upstreamBroken();
            return false;
        }
        if (status < 200) {
            informational = true;
            downstream.sendInterim(response);
            return true;
        }
        responseStarted();
        log.status = status;
        facts.countStatus(status);
        HttpHeaders headers = response.headers();
        backend.responseRules().apply(facts, headers);
        downstream.frontend().responseRules().apply(facts, headers);
        insertPersistenceCookie(headers);
        compressor = ResponseCompression.start(compression, downstream.frontend().config().compression(),
                backend.config().compression(), response, ByteBufAllocator.DEFAULT);
        downstream.sendHead(response, requestComplete);
        return true;
    }

    /** The server is answering: it took the request, which is no longer sent anywhere else. */
    private void responseStarted() {
        responseStarted = true;
        log.responseHeadNanos = System.nanoTime();
        releaseHeldBody();
    }

    private void insertPersistenceCookie(HttpHeaders headers) {
        if (backend.cookie() == null || server.config().cookie() == null) {
            return;
        }
        if (server.config().cookie().equals(requestCookie)) {
            return;
        }
        headers.add(HttpHeaderNames.SET_COOKIE, backend.setCookieFor(server));
        if (backend.cookie().nocache() && mayBeCached(headers)) {
            // Added, never replacing: a server's no-store must survive.
            headers.add(HttpHeaderNames.CACHE_CONTROL, "private");
        }
        log.cookieResponse = 'I';
    }

    /** False when the server already forbids shared caching of the response. */
    private static boolean mayBeCached(HttpHeaders headers) {
        for (String value : headers.getAll(HttpHeaderNames.CACHE_CONTROL)) {
            String lower = value.toLowerCase(java.util.Locale.ROOT);
            if (lower.contains("private") || lower.contains("no-store") || lower.contains("no-cache")) {
                return false;
            }
        }
        return true;
    }

    private void onResponseContent(HttpContent content) {
        boolean last = content instanceof LastHttpContent;
        if (informational) {
            downstream.sendInterim(content);
            informational = !last;
            return;
        }
        if (compressor != null) {
            content = compressor.encode(content);
        }
        log.bytesToClient += content.content().readableBytes();
        downstream.sendContent(content);
        if (!downstream.isWritable()) {
            upstream.readFromServer(false);
        }
        if (last) {
            finish();
        }
    }

    /** The server switched protocols: the tunnel that follows holds the server until it closes. */
    private void startTunnel(HttpResponse response) {
        finished = true;
        cancelTimers();
        Server held = server;
        server = null;
        downstream.switchProtocols(response, upstream, backend.pool(), held, log,
                backend.timeouts().tunnel().toMillis());
    }

    @Override
    public void onUpstreamReadComplete() {
        if (!finished) {
            downstream.flush();
        }
    }

    private void finish() {
        finished = true;
        cancelTimers();
        releaseServer();
        upstream.release(requestComplete);
        downstream.finish(log, requestComplete);
    }

    @Override
    public void onUpstreamClosed(Throwable cause) {
        if (finished) {
            return;
        }
        if (!responseStarted) {
            if (cause instanceof RefusedStream) {
                refused();
                return;
            }
            if (reusedUpstream && !downstream.requestHasBody() && requestComplete) {
                // The server closed an idle connection as we reused it: the request never reached it.
                upstream = null;
                reusedUpstream = false;
                replaying = true;
                connect(false);
                return;
            }
            upstreamBroken();
        } else {
            abort(ExchangeLog.Cause.SERVER_ABORT, ExchangeLog.Phase.DATA, 0);
        }
    }

    /**
     * The server did not process the request (see RefusedStream): another attempt, on another server when there is
     * one, when retries are left and the body sent so far is held; else the client hears it was refused (HTTP/2,
     * which it may retry) or gets 502 (HTTP/1).
     */
    private void refused() {
        upstream = null;
        if (!bodyGone && choice.canRetry()) {
            serverTimer.cancel();
            Server failed = server;
            releaseServer();
            log.retries++;
            choice.retry(failed);
        } else if (downstream.canRefuse()) {
            endAbruptly(ExchangeLog.Cause.SERVER_ABORT, ExchangeLog.Phase.HEADERS);
            downstream.refuse(log);
        } else {
            upstreamBroken();
        }
    }

    private void upstreamBroken() {
        fail(502, ExchangeLog.Cause.SERVER_ABORT, ExchangeLog.Phase.HEADERS);
    }

    void onServerTimeout() {
        if (finished) {
            return;
        }
        if (responseStarted) {
            abort(ExchangeLog.Cause.SERVER_TIMEOUT, ExchangeLog.Phase.DATA, 0);
        } else {
            fail(504, ExchangeLog.Cause.SERVER_TIMEOUT, ExchangeLog.Phase.HEADERS);
        }
    }

    void onClientTimeout() {
        if (finished || requestComplete) {
            return;
        }
        abort(ExchangeLog.Cause.CLIENT_TIMEOUT, ExchangeLog.Phase.DATA, 408);
    }

    void onClientClosed() {
        if (finished) {
            return;
        }
        abort(ExchangeLog.Cause.CLIENT_ABORT, responseStarted ? ExchangeLog.Phase.DATA : ExchangeLog.Phase.HEADERS, 0);
    }

    /** Ends the exchange with an error response the proxy makes itself, then closes the client connection. */
    private void fail(int status, ExchangeLog.Cause cause, ExchangeLog.Phase phase) {
        if (responseStarted) {
            abort(cause, phase, 0);
            return;
        }
        log.status = status;
        facts.countStatus(status);
        endAbruptly(cause, phase);
        downstream.fail(errorResponse(status), log);
    }

    private FullHttpResponse errorResponse(int status) {
        return grpc ? ErrorResponses.grpc(status) : ErrorResponses.of(status, false);
    }

    /**
     * Ends the exchange where it stands: both connections close. A status is sent first when the response has
     * not started and one is given.
     */
    private void abort(ExchangeLog.Cause cause, ExchangeLog.Phase phase, int status) {
        if (!responseStarted && status > 0) {
            fail(status, cause, phase);
            return;
        }
        endAbruptly(cause, phase);
        boolean serverSide = cause == ExchangeLog.Cause.SERVER_ABORT || cause == ExchangeLog.Cause.SERVER_TIMEOUT;
        downstream.abort(log, grpc && serverSide
                ? ErrorResponses.grpcTrailers(cause == ExchangeLog.Cause.SERVER_TIMEOUT ? 504 : 502) : null);
    }

    /** Lets go of everything the exchange holds; neither connection is reused. */
    private void endAbruptly(ExchangeLog.Cause cause, ExchangeLog.Phase phase) {
        finished = true;
        cancelTimers();
        releaseServer();
        discardUpstream();
        releasePendingBody();
        releaseHeldBody();
        if (compressor != null) {
            compressor.close();
        }
        log.terminate(cause, phase);
    }

    private void cancelTimers() {
        if (choice != null) {
            // Still queued: leave the queue. Already served: onAcquired sees the exchange finished and releases.
            choice.cancel();
        }
        if (serverTimer != null) {
            serverTimer.cancel();
        }
        if (clientTimer != null) {
            clientTimer.cancel();
        }
    }

    private void releaseServer() {
        if (server != null) {
            backend.pool().release(server);
            server = null;
        }
    }

    private void discardUpstream() {
        if (upstream != null) {
            upstream.discard();
            upstream = null;
        }
    }

    private void releaseHeldBody() {
        if (heldBody != null) {
            for (HttpContent held : heldBody) {
                held.release();
            }
            heldBody = null;
        }
    }

    private void releasePendingBody() {
        if (pendingBody == null) {
            return;
        }
        HttpContent content;
        while ((content = pendingBody.poll()) != null) {
            content.release();
        }
    }
}
