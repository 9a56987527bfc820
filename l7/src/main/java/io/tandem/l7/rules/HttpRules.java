package io.tandem.l7.rules;

import io.netty.handler.codec.http.HttpHeaders;
import io.tandem.core.config.ConfigError;
import io.tandem.core.config.Located;
import io.tandem.l7.acl.AclSet;
import io.tandem.l7.acl.RequestFacts;

import java.util.List;

/**
 * A frontend's or backend's {@code http-request} or {@code http-response} rules, compiled, evaluated in order.
 * Response rules have only the header actions, which never end evaluation, and their conditions and
 * {@code %[...]} samples read the request the response answers.
 */
public final class HttpRules {
    /** No rules: every request continues, responses pass unchanged. */
    public static final HttpRules NONE = new HttpRules(new Rule[0]);

    private final Rule[] rules;

    private HttpRules(Rule[] rules) {
        this.rules = rules;
    }

    /** Compiles {@code http-request} lines; every problem is reported at its column and the line is left out. */
    public static HttpRules compileRequest(List<Located<String>> lines, AclSet acls, List<ConfigError> errors) {
        return new HttpRules(Rule.compileAll(lines, "http-request", Actions.REQUEST, acls, errors));
    }

    /** Compiles {@code http-response} lines: as {@link #compileRequest}, with the header actions only. */
    public static HttpRules compileResponse(List<Located<String>> lines, AclSet acls, List<ConfigError> errors) {
        return new HttpRules(Rule.compileAll(lines, "http-response", Actions.RESPONSE, acls, errors));
    }

    /**
     * Runs the rules whose condition holds, in order, until one ends the request (deny, redirect, return) or
     * {@code allow} stops evaluation. Header actions edit {@code headers}: for request rules the proxy passes the
     * same object {@code request.headers()} returns, so later conditions see earlier edits; for response rules the
     * response's headers, and the result is always {@link RuleResult#CONTINUE}.
     */
    public RuleResult apply(RequestFacts request, HttpHeaders headers) {
        for (Rule rule : rules) {
            if (!rule.condition().test(request)) {
                continue;
            }
            RuleResult result = rule.action().apply(request, headers);
            if (result != RuleResult.CONTINUE || rule.action().stopsEvaluation()) {
                return result;
            }
        }
        return RuleResult.CONTINUE;
    }

    /** How many rules compiled. */
    public int size() {
        return rules.length;
    }
}
