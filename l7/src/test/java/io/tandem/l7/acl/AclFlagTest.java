package io.tandem.l7.acl;

import io.tandem.core.config.ConfigError;
import io.tandem.core.config.SourcePos;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.tandem.l7.acl.AclFetchTest.matches;
import static io.tandem.l7.acl.TestRequest.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AclFlagTest {

    /** The errors compiling {@code expression} (placed at line 3, column 10) reports. */
    static List<String> errors(String expression) {
        List<ConfigError> errors = new ArrayList<>();
        Acl acl = Acl.compile(expression, new SourcePos("t.yaml", 3, 10), errors);
        if (!errors.isEmpty()) {
            assertNull(acl);
        }
        return errors.stream().map(ConfigError::toString).toList();
    }

    @Test
    void dashIMakesTextMatchingCaseInsensitive() {
        RequestFacts r = get("/").withHeader("Host", "Admin.Example.COM");
        assertTrue(matches("hdr(host) -i admin.example.com", r));
        assertTrue(matches("hdr_beg(host) -i ADMIN.", r));
        assertTrue(matches("hdr_end(host) -i .com", r));
        assertTrue(matches("hdr_sub(host) -i example", r));
        assertTrue(matches("hdr_dom(host) -i example", r));
        assertFalse(matches("hdr_sub(host) exAMple", r));
    }

    @Test
    void dashIMakesRegexCaseInsensitive() {
        assertTrue(matches("path -i -m reg ^/API/", get("/api/x")));
        assertFalse(matches("path -m reg ^/API/", get("/api/x")));
    }

    @Test
    void dashMStrBegEndSubSelectTextMethods() {
        RequestFacts r = get("/api/v1/users");
        assertTrue(matches("path -m str /api/v1/users", r));
        assertTrue(matches("path -m beg /api/", r));
        assertTrue(matches("path -m end /users", r));
        assertTrue(matches("path -m sub /v1/", r));
        assertFalse(matches("path -m str /api/", r));
    }

    @Test
    void dashMDirAndDomMatchWholeWords() {
        assertTrue(matches("path -m dir v1", get("/api/v1/users")));
        assertTrue(matches("hdr(host) -m dom example", get("/").withHeader("Host", "www.example.com")));
        assertFalse(matches("hdr(host) -m dom ample", get("/").withHeader("Host", "www.example.com")));
    }

    @Test
    void dashMFoundTestsPresence() {
        assertTrue(matches("hdr(x-empty) -m found", get("/").withHeader("X-Empty", "")));
        assertFalse(matches("hdr(x-empty) -m found", get("/")));
        assertTrue(matches("req.cook(SRVID) -m found", get("/").withHeader("Cookie", "SRVID=")));
    }

    @Test
    void dashMLenComparesLength() {
        assertTrue(matches("hdr(x-token) -m len 4", get("/").withHeader("X-Token", "abcd")));
        assertTrue(matches("hdr(x-token) -m len 10:20", get("/").withHeader("X-Token", "abcdefghijkl")));
    }

    @Test
    void dashMIntParsesTextAsIntegers() {
        RequestFacts r = get("/").withHeader("Content-Length", "1500");
        assertTrue(matches("hdr(content-length) -m int gt 1024", r));
        assertTrue(matches("hdr(content-length) -m int 1000:2000", r));
        assertFalse(matches("hdr(content-length) -m int lt 1024", r));
        assertFalse(matches("hdr(x) -m int 1", get("/").withHeader("X", "one")));
    }

    @Test
    void integerOperatorsAndRanges() {
        RequestFacts three = get("/").withHeader("X", "a,b,c");
        assertTrue(matches("hdr_cnt(x) eq 3", three));
        assertTrue(matches("hdr_cnt(x) ge 3", three));
        assertFalse(matches("hdr_cnt(x) gt 3", three));
        assertTrue(matches("hdr_cnt(x) le 3", three));
        assertFalse(matches("hdr_cnt(x) lt 3", three));
        assertTrue(matches("hdr_cnt(x) 2:4", three));
        assertTrue(matches("hdr_cnt(x) :3", three));
        assertTrue(matches("hdr_cnt(x) 3:", three));
        assertFalse(matches("hdr_cnt(x) 4:", three));
        assertTrue(matches("hdr_cnt(x) lt 1 gt 2", three));
    }

    @Test
    void dashMIpMatchesAddressesInTextHeaders() {
        RequestFacts r = get("/").withHeader("X-Forwarded-For", "203.0.113.7, 10.1.2.3");
        assertTrue(matches("hdr(x-forwarded-for) -m ip 10.0.0.0/8", r));
        assertFalse(matches("hdr(x-forwarded-for) -m ip 192.168.0.0/16", r));
    }

    @Test
    void dashMBoolTestsNonZero() {
        assertTrue(matches("hdr_cnt(host) -m bool", get("/").withHeader("Host", "a")));
        assertFalse(matches("hdr_cnt(host) -m bool", get("/")));
    }

    @Test
    void sslFcCanBeComparedAsAnInteger() {
        assertTrue(matches("ssl_fc -m int 1", get("/").withTls(null)));
    }

    @Test
    void doubleDashEndsFlags() {
        assertTrue(matches("hdr(x) -- -i", get("/").withHeader("X", "-i")));
    }

    @Test
    void quotedAndEscapedPatterns() {
        RequestFacts r = get("/").withHeader("User-Agent", "Mozilla/5.0 (X11)");
        assertTrue(matches("hdr(user-agent) \"Mozilla/5.0 (X11)\"", r));
        assertTrue(matches("hdr(user-agent) 'Mozilla/5.0 (X11)'", r));
        assertTrue(matches("hdr(user-agent) Mozilla/5.0\\ (X11)", r));
    }

    @Test
    void patternFilesAreRejected() {
        assertEquals(List.of("t.yaml:3:22: pattern files (-f) are not supported"), errors("path_beg -i -f /etc/x.lst"));
    }

    @Test
    void badRegexIsReportedAtItsColumn() {
        // The regex starts at offset 9; Java reports the unclosed group at the pattern's end (index 5).
        List<String> e = errors("path_reg ^/a(b");
        assertEquals(1, e.size());
        assertTrue(e.get(0).startsWith("t.yaml:3:24: bad regex '^/a(b': "), e.get(0));
    }

    @Test
    void unknownFetchSuggestsTheClosest() {
        assertEquals(List.of("t.yaml:3:10: unknown fetch 'pth'; did you mean 'path'?"), errors("pth /a"));
    }

    @Test
    void unknownFlagIsReported() {
        assertEquals(List.of("t.yaml:3:15: unknown flag '-x' (expected -i, -m, -n or --; write '--' before a pattern that starts with '-')"),
                errors("path -x /a"));
    }

    @Test
    void unknownMatchMethodIsReportedAtItsName() {
        assertEquals(List.of("t.yaml:3:18: unknown match method 'begin' (expected str, beg, end, sub, reg, dir, dom, found, len, int, ip or bool)"),
                errors("path -m begin /a"));
    }

    @Test
    void matchMethodFlagConflictsWithAclKeywordSuffix() {
        assertEquals(List.of("t.yaml:3:19: 'path_beg' already selects its match method; write 'path -m ...' instead"),
                errors("path_beg -m sub /a"));
    }

    @Test
    void boolMethodRefusesTextFetchAndPatterns() {
        assertEquals(List.of("t.yaml:3:18: '-m bool' cannot match the text values of 'path'"), errors("path -m bool"));
        assertEquals(List.of("t.yaml:3:17: 'ssl_fc -m bool' takes no patterns (use -m int to compare the value)"),
                errors("ssl_fc 1"));
    }

    @Test
    void badIntegerAndAddressPatternsAreReportedAtTheirColumn() {
        assertEquals(List.of("t.yaml:3:27: 'x' is not an integer or a range like 10:20"), errors("hdr_cnt(host) gt x"));
        assertEquals(List.of("t.yaml:3:23: 'gt' needs a value after it"), errors("hdr_cnt(a) 1 gt"));
        assertEquals(List.of("t.yaml:3:23: 'www.example.com' is not an IP address or CIDR range"),
                errors("src 10.0.0.1 www.example.com"));
        assertEquals(List.of("t.yaml:3:14: '10.0.0.0/33' is not an IP address or CIDR range"), errors("src 10.0.0.0/33"));
    }

    @Test
    void fetchArgumentsAreChecked() {
        assertEquals(List.of("t.yaml:3:10: 'hdr' needs a name argument, e.g. hdr(host)"), errors("hdr a"));
        assertEquals(List.of("t.yaml:3:14: 'path' takes no argument"), errors("path(x) a"));
        assertEquals(List.of("t.yaml:3:18: missing ')' after the arguments of 'hdr'"), errors("hdr(host"));
    }

    @Test
    void stickCounterFetchesReportWhatIsWrongWithThem() {
        assertEquals(List.of("t.yaml:3:10: 'src_conn_rate' needs a stick-table: this section has none "
                + "(add a stick-table or name one with 'table NAME')"), errors("src_conn_rate gt 10"));
        assertEquals(List.of("t.yaml:3:26: 'sc_http_req_rate' needs a stick counter number, 0, 1 or 2, "
                + "e.g. sc_http_req_rate(0)"), errors("sc_http_req_rate gt 100"));
        assertEquals(List.of("t.yaml:3:27: 'sc_http_req_rate' needs a stick counter number, 0, 1 or 2, "
                + "e.g. sc_http_req_rate(0)"), errors("sc_http_req_rate(3) gt 100"));
        assertEquals(List.of("t.yaml:3:10: no stick counter 'sc3': counters are sc0, sc1 and sc2"),
                errors("sc3_http_req_rate gt 1"));
        assertEquals(List.of("t.yaml:3:10: stick counter fetch 'sc_gpc0_rate' is not supported yet"),
                errors("sc_gpc0_rate(0) gt 1"));
        assertEquals(List.of("t.yaml:3:10: stick-table fetch 'table_http_req_rate' is not supported yet"),
                errors("table_http_req_rate(t) gt 1"));
        assertEquals(List.of("t.yaml:3:10: unknown stick counter fetch 'sc_http_rq_rate'; did you mean 'sc_http_req_rate'?"),
                errors("sc_http_rq_rate(0) gt 1"));
    }
}
