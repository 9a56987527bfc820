package io.tandem.l7.rules;

import io.netty.handler.codec.http.HttpHeaders;
import io.tandem.core.config.ConfigError;
import io.tandem.core.config.Located;
import io.tandem.l7.acl.AclSet;
import io.tandem.l7.acl.RequestFacts;

import java.util.List;

/** A frontend's or backend's {@code http-request} rules, compiled, evaluated in order on each request. */
public final class RequestRules {
    /** No rules: every request continues. */
    public static final RequestRules NONE = new RequestRules(new Rule[0]);

    private final Rule[] rules;

    private RequestRules(Rule[] rules) {
        this.rules = rules;
    }

    /** Compiles the rule lines; every problem is reported at its column and the line is left out. */
    public static RequestRules compile(List<Located<String>> lines, AclSet acls, List<ConfigError> errors) {
        return new RequestRules(Rule.compileAll(lines, "http-request", Actions.REQUEST, acls, errors));
    }

    /**
     * Runs the rules whose condition holds, in order, until one ends the request (deny, redirect, return) or
     * {@code allow} stops evaluation. Header actions edit {@code headers}, which the proxy passes as the same object
     * {@code request.headers()} returns, so later conditions see earlier edits.
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
