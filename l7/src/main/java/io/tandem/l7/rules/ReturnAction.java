package io.tandem.l7.rules;

import io.netty.handler.codec.http.HttpHeaders;
import io.tandem.l7.acl.RequestFacts;

/** {@code return [status N] [content-type T] [string S | lf-string FMT]}: answers the request directly. */
public record ReturnAction(int status, String contentType, Format body) implements RequestAction {

    @Override
    public RuleResult apply(RequestFacts request, HttpHeaders headers) {
        return new RuleResult.Return(status, contentType, body == null ? null : body.render(request));
    }
}
