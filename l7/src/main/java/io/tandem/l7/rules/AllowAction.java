package io.tandem.l7.rules;

import io.netty.handler.codec.http.HttpHeaders;
import io.tandem.l7.acl.RequestFacts;

/** {@code allow}: lets the request through and skips the remaining http-request rules. */
public record AllowAction() implements RequestAction {

    @Override
    public RuleResult apply(RequestFacts request, HttpHeaders headers) {
        return RuleResult.CONTINUE;
    }

    @Override
    public boolean stopsEvaluation() {
        return true;
    }
}
