package io.tandem.l7.rules;

import io.netty.handler.codec.http.HttpHeaders;
import io.tandem.l7.acl.RequestFacts;

/** What an http-request rule does once its condition holds; one small class per action keyword. */
public interface RequestAction {

    /** Performs the action, changing {@code headers} if it edits them; {@link RuleResult#CONTINUE} to go on. */
    RuleResult apply(RequestFacts request, HttpHeaders headers);

    /** True when no later rule runs after this one even though it returned CONTINUE ({@code allow}). */
    default boolean stopsEvaluation() {
        return false;
    }
}
