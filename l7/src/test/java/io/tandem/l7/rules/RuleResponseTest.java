package io.tandem.l7.rules;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.tandem.core.config.ConfigError;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.tandem.l7.acl.TestRequest.get;
import static io.tandem.l7.rules.RuleRequestTest.ACLS;
import static io.tandem.l7.rules.RuleRequestTest.lines;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class RuleResponseTest {

    private static HttpRules rules(String... lines) {
        List<ConfigError> errors = new ArrayList<>();
        HttpRules rules = HttpRules.compileResponse(lines(lines), ACLS, errors);
        assertEquals(List.of(), errors);
        return rules;
    }

    @Test
    void responseHeaderActionsEditTheResponseHeaders() {
        HttpHeaders response = new DefaultHttpHeaders().add("Server", "nginx").add("X-A", "1");
        rules("del-header Server", "set-header Strict-Transport-Security max-age=31536000", "add-header X-A 2")
                .apply(get("/"), response);
        assertNull(response.get("Server"));
        assertEquals("max-age=31536000", response.get("Strict-Transport-Security"));
        assertEquals(List.of("1", "2"), response.getAll("X-A"));
    }

    @Test
    void responseConditionsAndSamplesReadTheRequest() {
        HttpRules rules = rules("set-header X-Api-Client %[src] if is_api");
        HttpHeaders api = new DefaultHttpHeaders();
        rules.apply(get("/api/x").withSource("10.0.0.4"), api);
        assertEquals("10.0.0.4", api.get("X-Api-Client"));
        HttpHeaders other = new DefaultHttpHeaders();
        rules.apply(get("/x"), other);
        assertNull(other.get("X-Api-Client"));
    }

    @Test
    void requestOnlyActionsAreRefusedInResponseRules() {
        List<ConfigError> errors = new ArrayList<>();
        HttpRules.compileResponse(lines("deny if is_api"), ACLS, errors);
        assertEquals(List.of("t.yaml:10:11: 'deny' is not supported in http-response rules (only set-header, add-header, del-header)"),
                errors.stream().map(ConfigError::toString).toList());
    }
}
