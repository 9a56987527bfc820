package io.tandem.l7.acl;

import io.tandem.core.config.ConfigError;
import io.tandem.core.config.Located;
import io.tandem.core.config.SourcePos;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.tandem.l7.acl.TestRequest.get;
import static io.tandem.l7.acl.TestRequest.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConditionTest {
    private static final AclSet ACLS = acls(Map.of(
            "is_api", "path_beg /api/",
            "is_admin", "hdr(host) -i admin.example.com",
            "is_static", "path_beg /static/ /assets/ /media/",
            "from_office", "src 10.10.1.0/24"));

    static AclSet acls(Map<String, String> definitions) {
        Map<String, Located<String>> located = new LinkedHashMap<>();
        definitions.forEach((name, text) -> located.put(name, new Located<>(text, new SourcePos("t.yaml", 2, 10))));
        List<ConfigError> errors = new ArrayList<>();
        AclSet set = AclSet.compile(located, errors);
        assertEquals(List.of(), errors);
        return set;
    }

    static boolean holds(String condition, RequestFacts request) {
        List<ConfigError> errors = new ArrayList<>();
        Condition c = Condition.compile(condition, new SourcePos("t.yaml", 5, 7), ACLS, errors);
        assertEquals(List.of(), errors, condition);
        return c.test(request);
    }

    static List<String> errors(String condition, AclSet acls) {
        List<ConfigError> errors = new ArrayList<>();
        Condition c = Condition.compile(condition, new SourcePos("t.yaml", 5, 7), acls, errors);
        if (!errors.isEmpty()) {
            assertNull(c);
        }
        return errors.stream().map(ConfigError::toString).toList();
    }

    @Test
    void ifHoldsWhenTheAclMatches() {
        assertTrue(holds("if is_api", get("/api/x")));
        assertFalse(holds("if is_api", get("/x")));
    }

    @Test
    void unlessInvertsTheWholeCondition() {
        assertFalse(holds("unless from_office", get("/").withSource("10.10.1.9")));
        assertTrue(holds("unless from_office", get("/").withSource("10.10.9.9")));
        assertTrue(holds("unless is_api || from_office", get("/x")));
        assertFalse(holds("unless is_api || from_office", get("/api/")));
    }

    @Test
    void juxtapositionIsAnd() {
        RequestFacts adminApi = get("/api/x").withHeader("Host", "Admin.example.com");
        assertTrue(holds("if is_api is_admin", adminApi));
        assertFalse(holds("if is_api is_admin", get("/api/x")));
    }

    @Test
    void orAndDoublePipeJoinAlternatives() {
        assertTrue(holds("if is_api || is_static", get("/static/a.css")));
        assertTrue(holds("if is_api or is_static", get("/api/")));
        assertFalse(holds("if is_api or is_static", get("/x")));
    }

    @Test
    void andBindsTighterThanOr() {
        // is_api is_admin || is_static  ==  (is_api AND is_admin) OR is_static
        assertTrue(holds("if is_api is_admin || is_static", get("/static/x")));
        assertFalse(holds("if is_api is_admin || is_static", get("/api/x")));
    }

    @Test
    void bangNegatesATerm() {
        assertTrue(holds("if !is_api", get("/x")));
        assertFalse(holds("if !is_api", get("/api/")));
        assertTrue(holds("if ! is_api", get("/x")));
        assertTrue(holds("if !!is_api", get("/api/")));
        assertTrue(holds("if is_static !is_admin", get("/static/")));
    }

    @Test
    void anonymousAclIsAnInlineExpression() {
        assertTrue(holds("if { path_beg /api/ }", get("/api/v1")));
        assertTrue(holds("if !{ ssl_fc }", get("/")));
        assertFalse(holds("if !{ ssl_fc }", get("/").withTls("x")));
        assertTrue(holds("if is_api { method POST PUT } || { hdr_cnt(host) gt 1 }", request("PUT", "/api/")));
        assertFalse(holds("if is_api { method POST PUT } || { hdr_cnt(host) gt 1 }", request("GET", "/api/")));
    }

    @Test
    void quotedBraceIsAPatternNotADelimiter() {
        assertTrue(holds("if { hdr(x) \"}\" }", get("/").withHeader("X", "}")));
    }

    @Test
    void emptyTextIsAlways() {
        assertSame(Condition.ALWAYS, Condition.compile("", new SourcePos("t.yaml", 1, 1), ACLS, new ArrayList<>()));
    }

    @Test
    void predefinedAclsAreAvailable() {
        assertTrue(holds("if TRUE", get("/")));
        assertFalse(holds("if FALSE", get("/")));
        assertTrue(holds("if HTTP", get("/")));
        assertTrue(holds("if HTTP_1.1", get("/")));
        assertTrue(holds("if HTTP_1.0", get("/").withVersion("HTTP/1.0")));
        assertTrue(holds("if HTTP_CONTENT", get("/").withHeader("Content-Length", "12")));
        assertFalse(holds("if HTTP_CONTENT", get("/").withHeader("Content-Length", "0")));
        assertTrue(holds("if HTTP_URL_ABS", get("http://example.com/")));
        assertTrue(holds("if HTTP_URL_SLASH", get("/x")));
        assertTrue(holds("if HTTP_URL_STAR", request("OPTIONS", "*")));
        assertTrue(holds("if LOCALHOST", get("/").withSource("127.0.0.1")));
        assertTrue(holds("if LOCALHOST", get("/").withSource("::1")));
        assertFalse(holds("if LOCALHOST", get("/")));
        assertTrue(holds("if METH_GET", request("HEAD", "/")));
        for (String m : List.of("CONNECT", "DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT", "TRACE")) {
            assertTrue(holds("if METH_" + m, request(m, "/")), m);
        }
        assertFalse(holds("if METH_POST", request("PUT", "/")));
    }

    @Test
    void unknownAclNameIsReportedAtItsColumnWithSuggestion() {
        assertEquals(List.of("t.yaml:5:18: unknown ACL 'is_apl'; did you mean 'is_api'?"),
                errors("if is_api !is_apl", ACLS));
    }

    @Test
    void unknownAclWithoutCloseNameHasNoSuggestion() {
        assertEquals(List.of("t.yaml:5:10: unknown ACL 'zzzzzzzz'"), errors("if zzzzzzzz", ACLS));
    }

    @Test
    void everyUnknownAclIsReported() {
        assertEquals(2, errors("if nope1 || nope2", ACLS).size());
    }

    @Test
    void errorInsideAnonymousAclPointsAtTheBadToken() {
        assertEquals(List.of("t.yaml:5:12: unknown fetch 'pth_beg'; did you mean 'path_beg'?"),
                errors("if { pth_beg /a }", ACLS));
    }

    @Test
    void structuralErrorsAreReported() {
        assertEquals(List.of("t.yaml:5:10: missing '}' to close this '{'"), errors("if { ssl_fc", ACLS));
        assertEquals(List.of("t.yaml:5:10: empty anonymous ACL '{ }'"), errors("if { }", ACLS));
        assertEquals(List.of("t.yaml:5:9: missing condition after 'if'"), errors("if", ACLS));
        assertEquals(List.of("t.yaml:5:19: missing condition after '||'"), errors("if is_api ||", ACLS));
        assertEquals(List.of("t.yaml:5:10: '||' needs a condition on each side"), errors("if || is_api", ACLS));
        assertEquals(List.of("t.yaml:5:7: expected 'if' or 'unless', found 'when'"), errors("when is_api", ACLS));
        assertEquals(List.of("t.yaml:5:17: '}' without a matching '{'"), errors("if is_api }", ACLS));
    }

    @Test
    void unclosedQuoteIsReportedAtTheQuote() {
        assertEquals(List.of("t.yaml:5:19: unclosed \" quote"), errors("if { hdr(x) \"abc }", ACLS).subList(0, 1));
    }

    @Test
    void aclSetReportsBadNamesAndPredefinedRedefinitions() {
        Map<String, Located<String>> defs = new LinkedHashMap<>();
        defs.put("bad name", new Located<>("path /", new SourcePos("t.yaml", 7, 12)));
        defs.put("TRUE", new Located<>("path /", new SourcePos("t.yaml", 8, 12)));
        defs.put("broken", new Located<>("path_beg -m reg /", new SourcePos("t.yaml", 9, 12)));
        defs.put("fine", new Located<>("path /", new SourcePos("t.yaml", 10, 12)));
        List<ConfigError> errors = new ArrayList<>();
        AclSet set = AclSet.compile(defs, errors);
        assertEquals(List.of(
                "t.yaml:7:12: invalid ACL name 'bad name': use letters, digits, '_', '-', '.' and ':'",
                "t.yaml:8:12: 'TRUE' is a predefined ACL and cannot be redefined",
                "t.yaml:9:21: 'path_beg' already selects its match method; write 'path -m ...' instead"),
                errors.stream().map(ConfigError::toString).toList());
        assertTrue(set.get("fine").test(get("/")));
        assertNull(set.get("broken"));
    }
}
