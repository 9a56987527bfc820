package io.tandem.l7.rules;

/** What the http-request rules decided: go on to the backend, deny, redirect, or answer with a fixed response. */
public sealed interface RuleResult permits RuleResult.Continue, RuleResult.Deny, RuleResult.Redirect, RuleResult.Return {

    /** Go on: no rule ended the request. */
    RuleResult CONTINUE = new Continue();

    /** The type of {@link #CONTINUE}. */
    final class Continue implements RuleResult {
        private Continue() {
        }

        @Override
        public String toString() {
            return "CONTINUE";
        }
    }

    /** Answer with an error page of {@code status}. */
    record Deny(int status) implements RuleResult {
    }

    /** Answer with a redirect: {@code code} (301, 302, 303, 307, 308) to {@code location}. */
    record Redirect(int code, String location) implements RuleResult {
    }

    /** Answer with {@code status} and, when not null, {@code body} of type {@code contentType}. */
    record Return(int status, String contentType, String body) implements RuleResult {
    }
}
