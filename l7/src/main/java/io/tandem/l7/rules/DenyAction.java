package io.tandem.l7.rules;

import io.netty.handler.codec.http.HttpHeaders;
import io.tandem.l7.acl.RequestFacts;

/** {@code deny [deny_status N]}: refuses the request with status N (403 by default). */
public record DenyAction(int status) implements RequestAction {

    @Override
    public RuleResult apply(RequestFacts request, HttpHeaders headers) {
        return new RuleResult.Deny(status);
    }
}
