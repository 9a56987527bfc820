package io.tandem.l7.proxy;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.tandem.core.stick.StickEntry;
import io.tandem.l7.acl.RequestFacts;
import io.tandem.l7.acl.StickCounters;
import io.tandem.l7.tls.TlsSession;

import java.net.InetAddress;

/**
 * The fetchable facts of one proxied request; path and query are cut from the target once, on first use. The
 * stick counters are allocated by the first {@code track-sc} rule that runs, so untracked requests pay nothing.
 */
final class HttpRequestFacts implements RequestFacts {
    private final HttpRequest request;
    private final InetAddress source;
    private final TlsSession tls;
    private final boolean firstOnConnection;
    private StickCounters counters;
    private String path;
    private String query;
    private boolean split;

    /**
     * The facts of {@code request} from {@code source} over {@code tls} (null: plain text); {@code firstOnConnection}
     * for a connection's first request.
     */
    HttpRequestFacts(HttpRequest request, InetAddress source, TlsSession tls, boolean firstOnConnection) {
        this.request = request;
        this.source = source;
        this.tls = tls;
        this.firstOnConnection = firstOnConnection;
    }

    @Override
    public String method() {
        return request.method().name();
    }

    @Override
    public String uri() {
        return request.uri();
    }

    @Override
    public String path() {
        splitTarget();
        return path;
    }

    @Override
    public String query() {
        splitTarget();
        return query;
    }

    @Override
    public HttpHeaders headers() {
        return request.headers();
    }

    @Override
    public InetAddress source() {
        return source;
    }

    @Override
    public boolean sslFc() {
        return tls != null;
    }

    @Override
    public String sslSni() {
        return tls == null ? null : tls.sni();
    }

    @Override
    public String sslProtocol() {
        return tls == null ? null : tls.protocol();
    }

    @Override
    public String sslAlpn() {
        return tls == null ? null : tls.alpn();
    }

    @Override
    public String httpVersion() {
        return request.protocolVersion().text();
    }

    @Override
    public StickEntry tracked(int counter) {
        return counters == null ? null : counters.get(counter);
    }

    @Override
    public boolean track(int counter, StickEntry entry) {
        if (counters == null) {
            counters = new StickCounters(firstOnConnection);
        }
        return counters.track(counter, entry);
    }

    /** Counts the answer's status in the tracked entries: a 4xx is an HTTP error ({@code http_err_cnt/rate}). */
    void countStatus(int status) {
        if (counters != null && status >= 400 && status < 500) {
            counters.countHttpError();
        }
    }

    /** Origin-form {@code /p?q}, or absolute-form {@code http://host/p?q} whose path starts after the authority. */
    private void splitTarget() {
        if (split) {
            return;
        }
        split = true;
        String uri = request.uri();
        int start = 0;
        if (!uri.startsWith("/")) {
            int scheme = uri.indexOf("://");
            if (scheme > 0) {
                int slash = uri.indexOf('/', scheme + 3);
                int questionMark = uri.indexOf('?', scheme + 3);
                start = slash >= 0 && (questionMark < 0 || slash < questionMark) ? slash : -1;
                if (start < 0) {
                    path = "/";
                    query = questionMark >= 0 ? uri.substring(questionMark + 1) : null;
                    return;
                }
            }
        }
        int questionMark = uri.indexOf('?', start);
        if (questionMark >= 0) {
            path = uri.substring(start, questionMark);
            query = uri.substring(questionMark + 1);
        } else {
            path = start == 0 ? uri : uri.substring(start);
            query = null;
        }
    }
}
