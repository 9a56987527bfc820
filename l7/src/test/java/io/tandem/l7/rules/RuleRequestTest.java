package io.tandem.l7.rules;

import io.tandem.core.config.ConfigError;
import io.tandem.core.config.Located;
import io.tandem.core.config.SourcePos;
import io.tandem.l7.acl.AclSet;
import io.tandem.l7.acl.RequestFacts;
import io.tandem.l7.acl.TestRequest;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.tandem.l7.acl.TestRequest.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class RuleRequestTest {
    static final AclSet ACLS = acls();

    private static AclSet acls() {
        Map<String, Located<String>> defs = new LinkedHashMap<>();
        defs.put("valid_admin_src", new Located<>("src 10.10.1.0/24", new SourcePos("t.yaml", 1, 1)));
        defs.put("is_api", new Located<>("path_beg /api/", new SourcePos("t.yaml", 2, 1)));
        return AclSet.compile(defs, new ArrayList<>());
    }

    static List<Located<String>> lines(String... lines) {
        List<Located<String>> located = new ArrayList<>();
        for (int i = 0; i < lines.length; i++) {
            located.add(new Located<>(lines[i], new SourcePos("t.yaml", 10 + i, 11)));
        }
        return located;
    }

    static HttpRules rules(String... lines) {
        List<ConfigError> errors = new ArrayList<>();
        HttpRules rules = HttpRules.compileRequest(lines(lines), ACLS, errors);
        assertEquals(List.of(), errors);
        return rules;
    }

    static List<String> errors(String line) {
        List<ConfigError> errors = new ArrayList<>();
        HttpRules rules = HttpRules.compileRequest(lines(line), ACLS, errors);
        assertEquals(0, rules.size());
        return errors.stream().map(ConfigError::toString).toList();
    }

    static RuleResult apply(HttpRules rules, RequestFacts request) {
        return rules.apply(request, request.headers());
    }

    @Test
    void denyDefaultsTo403() {
        assertEquals(new RuleResult.Deny(403), apply(rules("deny"), get("/")));
    }

    @Test
    void denyStatusSetsTheStatus() {
        assertEquals(new RuleResult.Deny(429), apply(rules("deny deny_status 429 if is_api"), get("/api/")));
        assertEquals(new RuleResult.Deny(503), apply(rules("deny status 503"), get("/")));
        assertEquals(RuleResult.CONTINUE, apply(rules("deny deny_status 429 if is_api"), get("/")));
    }

    @Test
    void denyUnlessAllowedSource() {
        HttpRules rules = rules("deny unless valid_admin_src");
        assertEquals(new RuleResult.Deny(403), apply(rules, get("/").withSource("10.10.2.1")));
        assertEquals(RuleResult.CONTINUE, apply(rules, get("/").withSource("10.10.1.1")));
    }

    @Test
    void allowStopsRuleEvaluation() {
        HttpRules rules = rules("allow if valid_admin_src", "deny");
        assertEquals(RuleResult.CONTINUE, apply(rules, get("/").withSource("10.10.1.1")));
        assertEquals(new RuleResult.Deny(403), apply(rules, get("/").withSource("10.9.9.9")));
    }

    @Test
    void redirectSchemeKeepsHostAndUri() {
        HttpRules rules = rules("redirect scheme https code 301 if !{ ssl_fc }");
        TestRequest plain = get("/a/b?x=1").withHeader("Host", "example.com:8080");
        assertEquals(new RuleResult.Redirect(301, "https://example.com:8080/a/b?x=1"), apply(rules, plain));
        assertEquals(RuleResult.CONTINUE, apply(rules, plain.withTls("example.com")));
    }

    @Test
    void redirectDefaultsTo302AndAcceptsEveryRedirectCode() {
        RequestFacts r = get("/").withHeader("Host", "h");
        assertEquals(302, ((RuleResult.Redirect) apply(rules("redirect scheme https"), r)).code());
        for (int code : List.of(301, 302, 303, 307, 308)) {
            assertEquals(code, ((RuleResult.Redirect) apply(rules("redirect scheme https code " + code), r)).code());
        }
    }

    @Test
    void redirectPrefixPrependsToPathAndQuery() {
        RequestFacts r = get("/x?y=1");
        assertEquals(new RuleResult.Redirect(302, "/p/x?y=1"), apply(rules("redirect prefix /p"), r));
        assertEquals(new RuleResult.Redirect(302, "https://new.example/x?y=1"),
                apply(rules("redirect prefix https://new.example"), r));
        assertEquals(new RuleResult.Redirect(302, "/x?y=1"), apply(rules("redirect prefix /"), r));
    }

    @Test
    void redirectDropQueryAndAppendSlash() {
        RequestFacts r = get("/docs?y=1");
        assertEquals(new RuleResult.Redirect(301, "/p/docs"), apply(rules("redirect prefix /p code 301 drop-query"), r));
        assertEquals(new RuleResult.Redirect(302, "/docs/"), apply(rules("redirect prefix / drop-query append-slash"), r));
    }

    @Test
    void redirectLocationIsUsedAsIsAndMayHoldSamples() {
        assertEquals(new RuleResult.Redirect(302, "https://example.com/maintenance"),
                apply(rules("redirect location https://example.com/maintenance drop-query"), get("/x?q")));
        assertEquals(new RuleResult.Redirect(307, "https://h.example/login"),
                apply(rules("redirect location https://%[hdr(host)]/login code 307"), get("/").withHeader("Host", "h.example")));
    }

    @Test
    void setHeaderReplacesEveryOccurrence() {
        RequestFacts tls = get("/").withHeader("X-Forwarded-Proto", "a").withHeader("X-Forwarded-Proto", "b").withTls(null);
        apply(rules("set-header X-Forwarded-Proto https if { ssl_fc }"), tls);
        assertEquals(List.of("https"), tls.headers().getAll("x-forwarded-proto"));
    }

    @Test
    void addHeaderAppendsAnOccurrence() {
        RequestFacts r = get("/").withHeader("Via", "1.1 a");
        apply(rules("add-header Via \"1.1 tandem\""), r);
        assertEquals(List.of("1.1 a", "1.1 tandem"), r.headers().getAll("via"));
    }

    @Test
    void delHeaderRemovesEveryOccurrence() {
        RequestFacts r = get("/").withHeader("X-Debug", "1").withHeader("X-Debug", "2").withHeader("Host", "h");
        apply(rules("del-header x-debug unless LOCALHOST"), r);
        assertNull(r.headers().get("X-Debug"));
        assertEquals("h", r.headers().get("Host"));
    }

    @Test
    void headerValueFormatsReadSamples() {
        RequestFacts r = get("/").withSource("10.1.2.3").withHeader("Host", "example.com");
        apply(rules("set-header X-Client %[src]", "set-header X-Tls %[ssl_fc]", "set-header X-Orig-Host %[hdr(host)]"), r);
        assertEquals("10.1.2.3", r.headers().get("X-Client"));
        assertEquals("0", r.headers().get("X-Tls"));
        assertEquals("example.com", r.headers().get("X-Orig-Host"));
    }

    @Test
    void laterConditionsSeeEarlierHeaderChanges() {
        HttpRules rules = rules("set-header X-Role admin if valid_admin_src", "deny if { hdr(x-role) admin }");
        assertEquals(new RuleResult.Deny(403), apply(rules, get("/").withSource("10.10.1.2")));
        assertEquals(RuleResult.CONTINUE, apply(rules, get("/").withSource("10.10.9.2")));
    }

    @Test
    void returnAnswersWithStatusTypeAndBody() {
        assertEquals(new RuleResult.Return(200, "text/plain", "ok"),
                apply(rules("return status 200 content-type text/plain string ok if { path /health }"), get("/health")));
        assertEquals(new RuleResult.Return(404, "text/plain", "no /x here"),
                apply(rules("return status 404 content-type text/plain lf-string \"no %[path] here\""), get("/x")));
        assertEquals(new RuleResult.Return(204, null, null), apply(rules("return status 204"), get("/")));
    }

    @Test
    void firstFinalRuleWins() {
        HttpRules rules = rules("redirect prefix /v2 if is_api", "deny");
        assertEquals(new RuleResult.Redirect(302, "/v2/api/a"), apply(rules, get("/api/a")));
        assertEquals(new RuleResult.Deny(403), apply(rules, get("/x")));
    }

    @Test
    void unknownActionSuggestsTheClosest() {
        assertEquals(List.of("t.yaml:10:11: unknown http-request action 'set-heder'; did you mean 'set-header'?"),
                errors("set-heder X a"));
    }

    @Test
    void badArgumentsAreReportedAtTheirColumn() {
        assertEquals(List.of("t.yaml:10:38: '304' is not a valid code (301, 302, 303, 307, 308)"),
                errors("redirect scheme https code 304"));
        assertEquals(List.of("t.yaml:10:28: '99' is not a valid deny_status (200..599)"), errors("deny deny_status 99"));
        assertEquals(List.of("t.yaml:10:20: unknown redirect type 'schema' (expected location, prefix or scheme)"),
                errors("redirect schema https"));
        assertEquals(List.of("t.yaml:10:33: unknown redirect option 'set-cookie' (expected code, drop-query, append-slash, if or unless)"),
                errors("redirect scheme https set-cookie X"));
        assertEquals(List.of("t.yaml:10:27: 'set-header' needs a header name and a value"), errors("set-header X-Foo"));
        assertEquals(List.of("t.yaml:10:22: 'X Foo' is not a valid header name"), errors("set-header \"X Foo\" a"));
        assertEquals(List.of("t.yaml:10:16: unexpected 'now' after 'deny'; expected 'if' or 'unless'"), errors("deny now"));
        assertEquals(List.of("t.yaml:10:29: 'string' needs a 'content-type'"), errors("return status 200 string ok"));
        assertEquals(List.of("t.yaml:10:19: unknown ACL 'is_apj'; did you mean 'is_api'?"), errors("deny if is_apj"));
    }
}
