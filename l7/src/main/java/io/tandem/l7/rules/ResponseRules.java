package io.tandem.l7.rules;

import io.netty.handler.codec.http.HttpHeaders;
import io.tandem.core.config.ConfigError;
import io.tandem.core.config.Located;
import io.tandem.l7.acl.AclSet;
import io.tandem.l7.acl.RequestFacts;

import java.util.List;

/**
 * {@code http-response} rules (set-header, add-header, del-header), compiled. Their conditions and
 * {@code %[...]} samples read the request the response answers.
 */
public final class ResponseRules {
    /** No rules: responses pass unchanged. */
    public static final ResponseRules NONE = new ResponseRules(new Rule[0]);

    private final Rule[] rules;

    private ResponseRules(Rule[] rules) {
        this.rules = rules;
    }

    /** Compiles the rule lines; every problem is reported at its column and the line is left out. */
    public static ResponseRules compile(List<Located<String>> lines, AclSet acls, List<ConfigError> errors) {
        return new ResponseRules(Rule.compileAll(lines, "http-response", Actions.RESPONSE, acls, errors));
    }

    /** Applies, in order, every rule whose condition holds for {@code request} to {@code responseHeaders}. */
    public void apply(RequestFacts request, HttpHeaders responseHeaders) {
        for (Rule rule : rules) {
            if (rule.condition().test(request)) {
                rule.action().apply(request, responseHeaders);
            }
        }
    }

    /** How many rules compiled. */
    public int size() {
        return rules.length;
    }
}
