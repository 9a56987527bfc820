package io.tandem.l7.proxy;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.tandem.l7.acl.RequestFacts;

import java.net.InetAddress;

/** The fetchable facts of one proxied request; path and query are cut from the target once, on first use. */
final class HttpRequestFacts implements RequestFacts {
    private final HttpRequest request;
    private final InetAddress source;
    private String path;
    private String query;
    private boolean split;

    HttpRequestFacts(HttpRequest request, InetAddress source) {
        this.request = request;
        this.source = source;
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
        return false;
    }

    @Override
    public String sslSni() {
        return null;
    }

    @Override
    public String httpVersion() {
        return request.protocolVersion().text();
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
