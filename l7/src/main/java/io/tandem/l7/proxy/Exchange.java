package io.tandem.l7.proxy;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.tandem.core.balance.Server;
import io.tandem.core.balance.ServerChoice;
import io.tandem.core.balance.ServerPool;
import io.tandem.core.config.ForwardFor;
import io.tandem.core.config.Timeouts;
import io.tandem.core.net.InactivityTimer;
import io.tandem.l7.rules.RuleResult;

import java.net.InetAddress;
import java.util.ArrayDeque;

/**
 * One request and its response: rules, routing, server choice (cookie, stick-on, balancer, queue), the upstream
 * connection (with retries), streaming both bodies with back-pressure, timeouts, and the access-log line.
 * Runs entirely on the client's event loop.
 */
final class Exchange implements UpstreamListener, ServerPool.AcquireCallback {
    private final ClientConnection connection;
    private final Channel client;
    private final HttpRequest request;
    private final HttpRequestFacts facts;
    private final ExchangeLog log;
    private final boolean head;
    private final boolean clientHttp11;
    /** Body bytes held while the server connection is being made; more pauses reading from the client. */
    private static final int MAX_PENDING_BODY_BYTES = 64 * 1024;

    private final ArrayDeque<HttpContent> pendingBody = new ArrayDeque<>(2);
    private int pendingBytes;
    private BackendRuntime backend;
    private Server server;
    private ServerChoice choice;
    private Server cookieServer;
    private Channel upstream;
    private boolean reusedUpstream;
    private boolean clientKeepAlive;
    private boolean upstreamKeepAlive;
    private boolean requestHasBody;
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

    Exchange(ClientConnection connection, HttpRequest request) {
        this.connection = connection;
        this.client = connection.channel();
        this.request = request;
        this.facts = new HttpRequestFacts(request, connection.peer().getAddress(), connection.requests() == 1);
        this.log = new ExchangeLog(request.method().name() + ' ' + request.uri() + ' '
                + request.protocolVersion().text());
        this.head = HttpMethod.HEAD.equals(request.method());
        this.clientHttp11 = HttpVersion.HTTP_1_1.equals(request.protocolVersion());
    }

    boolean requestComplete() {
        return requestComplete;
    }

    void start() {
        log.requestDoneNanos = System.nanoTime();
        clientKeepAlive = HttpUtil.isKeepAlive(request);
        requestHasBody = HttpUtil.isTransferEncodingChunked(request) || HttpUtil.getContentLength(request, 0L) > 0;
        if (requestHasBody && HopByHop.connectionHas(request.headers(), "upgrade")) {
            // A request with a payload cannot switch protocols; HAProxy drops its Upgrade before any rule sees it.
            request.headers().remove(HttpHeaderNames.UPGRADE);
        }
        FrontendRuntime frontend = connection.frontend();
        if (answeredByRules(frontend.requestRules().apply(facts, request.headers()))) {
            return;
        }
        backend = frontend.route(facts);
        if (backend == null) {
            fail(503, ExchangeLog.Cause.PROXY, ExchangeLog.Phase.REQUEST);
            return;
        }
        log.backend = backend.name();
        if (answeredByRules(backend.requestRules().apply(facts, request.headers()))) {
            return;
        }
        requestCookie = backend.persistenceCookie(request.headers());
        stickKey = backend.stickKey(facts);
        if (backend.cookie() != null) {
            log.cookieRequest = 'N';
            log.cookieResponse = 'N';
        }
        prepareUpstreamRequest();
        Timeouts timeouts = backend.timeouts();
        clientTimer = connection.clientTimer();
        clientTimer.start(timeouts.client().toMillis());
        serverTimer = connection.serverTimer();
        choice = new ServerChoice(backend.pool(), backend.retries(), client.eventLoop(), timeouts.queue(), this);
        chooseServer();
    }

    private boolean answeredByRules(RuleResult result) {
        if (result instanceof RuleResult.Deny deny) {
            log.terminate(ExchangeLog.Cause.PROXY, ExchangeLog.Phase.REQUEST);
            answerLocally(ErrorResponses.of(deny.status(), false));
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
     * A response the proxy makes itself (deny, redirect). The connection stays open only when no request body
     * is on its way, since the body would otherwise have to be read and thrown away.
     */
    private void answerLocally(FullHttpResponse response) {
        log.status = response.status().code();
        if (requestHasBody || !clientKeepAlive) {
            finished = true;
            connection.respondAndClose(withConnectionClose(response), log);
            return;
        }
        answeredLocally = true;
        log.bytesToClient = response.content().readableBytes();
        connection.encoder().answeringHead(false);
        client.write(response);
        if (requestComplete) {
            finishLocalAnswer();
        }
    }

    private static FullHttpResponse withConnectionClose(FullHttpResponse response) {
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        return response;
    }

    private void finishLocalAnswer() {
        finished = true;
        connection.proxy().accessLog(log, connection);
        client.flush();
        connection.exchangeFinished(true);
    }

    private void prepareUpstreamRequest() {
        HttpHeaders headers = request.headers();
        upgradeProtocol = HopByHop.requestedUpgrade(request);
        HopByHop.strip(headers);
        if (upgradeProtocol != null) {
            // The one hop-by-hop exchange a proxy passes on: the server may switch protocols (WebSocket).
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
            headers.set(HttpHeaderNames.UPGRADE, upgradeProtocol);
        }
        if (request.protocolVersion() != HttpVersion.HTTP_1_1) {
            // Servers get HTTP/1.1 so their connections can be pooled whatever the client speaks.
            request.setProtocolVersion(HttpVersion.HTTP_1_1);
            if (!headers.contains(HttpHeaderNames.HOST)) {
                headers.set(HttpHeaderNames.HOST, backend.servers().isEmpty() ? "localhost"
                        : backend.servers().get(0).config().address().toString());
            }
        }
        ForwardFor forwardFor = connection.frontend().config().forwardfor();
        if (forwardFor.enabled()) {
            InetAddress source = connection.peer().getAddress();
            if (!forwardFor.trusts(source)) {
                headers.set("X-Forwarded-For", source.getHostAddress());
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
        connection.proxy().upstreams().acquire(client.eventLoop(), server, connectTimeout, mayReuse, this);
    }

    @Override
    public void onUpstreamReady(Channel channel, boolean reused) {
        if (finished) {
            connection.proxy().upstreams().discard(channel);
            return;
        }
        upstream = channel;
        reusedUpstream = reused;
        log.connectedNanos = System.nanoTime();
        if (stickKey != null) {
            // stick store-request, once the server took the connection: a failed server is never stored.
            backend.stick(stickKey, server);
        }
        upstream.write(request);
        if (replaying) {
            // A replayed request has no body (see onUpstreamClosed): only its end is left to send.
            upstream.write(LastHttpContent.EMPTY_LAST_CONTENT);
        }
        HttpContent content;
        while ((content = pendingBody.poll()) != null) {
            upstream.write(content);
        }
        upstream.flush();
        if (requestComplete) {
            serverTimer.start(backend.timeouts().server().toMillis());
        } else if (upstream.isWritable()) {
            client.config().setAutoRead(true);
        }
    }

    @Override
    public void onUpstreamConnectFailed(Throwable cause) {
        if (finished) {
            return;
        }
        if (choice.canRetry()) {
            Server failed = server;
            releaseServer();
            log.retries++;
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
        if (upstream == null) {
            pendingBody.add(content);
            pendingBytes += content.content().readableBytes();
            if (pendingBytes > MAX_PENDING_BODY_BYTES) {
                // No server connection yet: buffer a little of the body, then stop reading until it is there.
                client.config().setAutoRead(false);
            }
        } else {
            upstream.write(content);
            if (!upstream.isWritable()) {
                client.config().setAutoRead(false);
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

    void onClientReadComplete() {
        if (upstream != null && !finished) {
            upstream.flush();
        }
    }

    void onClientWritabilityChanged(boolean writable) {
        if (upstream != null && !finished) {
            upstream.config().setAutoRead(writable);
        }
    }

    @Override
    public void onUpstreamWritabilityChanged(boolean writable) {
        if (!finished && !requestComplete) {
            client.config().setAutoRead(writable);
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
            responseStarted = true;
            log.responseHeadNanos = System.nanoTime();
            log.status = status;
            String protocol = response.headers().get(HttpHeaderNames.UPGRADE, upgradeProtocol);
            HopByHop.strip(response.headers());
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
            response.headers().set(HttpHeaderNames.UPGRADE, protocol);
            connection.encoder().answeringHead(false);
            client.write(response);
            client.write(LastHttpContent.EMPTY_LAST_CONTENT);
            // Tunnel at once: what follows the 101 head is the new protocol, whatever the codec would make of it.
            startTunnel();
            return true;
        }
        if (status < 200) {
            informational = true;
            HopByHop.strip(response.headers());
            client.write(response);
            return true;
        }
        responseStarted = true;
        log.responseHeadNanos = System.nanoTime();
        log.status = status;
        facts.countStatus(status);
        upstreamKeepAlive = HttpUtil.isKeepAlive(response);
        HttpHeaders headers = response.headers();
        HopByHop.strip(headers);
        backend.responseRules().apply(facts, headers);
        connection.frontend().responseRules().apply(facts, headers);
        insertPersistenceCookie(headers);
        boolean bodyAllowed = !head && status != 204 && status != 304;
        if (bodyAllowed && !HttpUtil.isContentLengthSet(response) && !HttpUtil.isTransferEncodingChunked(response)) {
            // A close-delimited body: HTTP/1.1 clients get it chunked and keep their connection.
            if (clientHttp11) {
                HttpUtil.setTransferEncodingChunked(response, true);
            } else {
                clientKeepAlive = false;
            }
        }
        if (!requestComplete) {
            // The server answered before the request body ended: the client's framing is lost after this.
            clientKeepAlive = false;
        }
        if (!clientKeepAlive || connection.proxy().draining()) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (!clientHttp11) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        response.setProtocolVersion(HttpVersion.HTTP_1_1);
        connection.encoder().answeringHead(head);
        client.write(response);
        return true;
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
            client.write(content);
            informational = !last;
            return;
        }
        log.bytesToClient += content.content().readableBytes();
        client.write(content);
        if (!client.isWritable()) {
            upstream.config().setAutoRead(false);
        }
        if (last) {
            finish();
        }
    }

    /** The 101 is on its way to the client: both connections now carry the new protocol's raw bytes. */
    private void startTunnel() {
        finished = true;
        cancelTimers();
        Tunnel tunnel = new Tunnel(connection, upstream, backend.pool(), server, log,
                backend.timeouts().tunnel().toMillis());
        server = null;
        client.flush();
        connection.proxy().upstreams().convertToTunnel(upstream, tunnel);
        connection.enterTunnel(tunnel);
    }

    @Override
    public void onUpstreamReadComplete() {
        if (!finished) {
            client.flush();
        }
    }

    private void finish() {
        finished = true;
        cancelTimers();
        releaseServer();
        if (requestComplete && upstreamKeepAlive && upstream.isActive()) {
            connection.proxy().upstreams().release(upstream);
        } else {
            connection.proxy().upstreams().discard(upstream);
        }
        connection.proxy().accessLog(log, connection);
        client.flush();
        connection.exchangeFinished(clientKeepAlive && requestComplete);
    }

    @Override
    public void onUpstreamClosed(Throwable cause) {
        if (finished) {
            return;
        }
        if (!responseStarted) {
            if (reusedUpstream && !requestHasBody && requestComplete) {
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
        connection.respondAndClose(ErrorResponses.of(status, true), log);
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
        connection.proxy().accessLog(log, connection);
        client.close();
    }

    /** Lets go of everything the exchange holds; neither connection is reused. */
    private void endAbruptly(ExchangeLog.Cause cause, ExchangeLog.Phase phase) {
        finished = true;
        cancelTimers();
        releaseServer();
        discardUpstream();
        releasePendingBody();
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
            connection.proxy().upstreams().discard(upstream);
            upstream = null;
        }
    }

    private void releasePendingBody() {
        HttpContent content;
        while ((content = pendingBody.poll()) != null) {
            content.release();
        }
    }
}
