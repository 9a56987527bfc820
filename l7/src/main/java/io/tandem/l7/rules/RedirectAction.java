package io.tandem.l7.rules;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.tandem.l7.acl.RequestFacts;

/**
 * {@code redirect location|prefix|scheme ARG [code N] [drop-query] [append-slash]}, building the location as
 * HAProxy does: {@code location} as given; {@code prefix} before the request's path and query ({@code /} adds
 * nothing); {@code scheme} with the Host header as it came, then path and query.
 */
public record RedirectAction(Kind kind, Format target, int code, boolean dropQuery, boolean appendSlash)
        implements RequestAction {

    /** The three ways to build the location. */
    public enum Kind { LOCATION, PREFIX, SCHEME }

    @Override
    public RuleResult apply(RequestFacts request, HttpHeaders headers) {
        return new RuleResult.Redirect(code, location(request, headers));
    }

    private String location(RequestFacts request, HttpHeaders headers) {
        String arg = target.render(request);
        if (kind == Kind.LOCATION) {
            return arg;
        }
        StringBuilder out = new StringBuilder();
        if (kind == Kind.SCHEME) {
            String host = headers.get(HttpHeaderNames.HOST);
            out.append(arg).append("://").append(host == null ? "" : host);
        } else if (!arg.equals("/")) {
            out.append(arg);
        }
        String path = request.path();
        out.append(path);
        if (appendSlash && !path.endsWith("/")) {
            out.append('/');
        }
        String query = request.query();
        if (query != null && !dropQuery) {
            out.append('?').append(query);
        }
        return out.toString();
    }
}
