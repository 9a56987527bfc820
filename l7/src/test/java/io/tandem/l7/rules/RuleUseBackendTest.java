package io.tandem.l7.rules;

import io.tandem.core.config.ConfigError;
import io.tandem.core.config.Located;
import io.tandem.core.config.SourcePos;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.tandem.l7.acl.TestRequest.get;
import static io.tandem.l7.rules.RuleRequestTest.ACLS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RuleUseBackendTest {
    private static final SourcePos POS = new SourcePos("t.yaml", 20, 11);

    private static UseBackendRule compile(String line, List<ConfigError> errors) {
        return UseBackendRule.compile(new Located<>(line, POS), ACLS, errors);
    }

    @Test
    void backendNameComesFirstThenTheCondition() {
        List<ConfigError> errors = new ArrayList<>();
        UseBackendRule rule = compile("api_cluster if is_api", errors);
        assertEquals(List.of(), errors);
        assertEquals("api_cluster", rule.backend());
        assertEquals(POS, rule.pos());
        assertTrue(rule.matches(get("/api/v1")));
        assertFalse(rule.matches(get("/")));
    }

    @Test
    void unlessConditionInverts() {
        UseBackendRule rule = compile("app unless is_api", new ArrayList<>());
        assertTrue(rule.matches(get("/")));
        assertFalse(rule.matches(get("/api/")));
    }

    @Test
    void backendWithoutConditionAlwaysMatches() {
        assertTrue(compile("app_cluster", new ArrayList<>()).matches(get("/anything")));
    }

    @Test
    void errorsAreLocated() {
        List<ConfigError> errors = new ArrayList<>();
        assertNull(compile("if is_api", errors));
        assertNull(compile("api when is_api", errors));
        assertNull(compile("api if is_apx", errors));
        assertEquals(List.of(
                "t.yaml:20:11: use-backend needs a backend name before 'if'",
                "t.yaml:20:15: expected 'if' or 'unless', found 'when'",
                "t.yaml:20:18: unknown ACL 'is_apx'; did you mean 'is_api'?"),
                errors.stream().map(ConfigError::toString).toList());
    }
}
