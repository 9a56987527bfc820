package io.tandem.l7.acl;

import io.tandem.core.config.ConfigError;
import io.tandem.core.config.SourcePos;
import org.junit.jupiter.api.Test;

import java.net.Inet6Address;
import java.util.ArrayList;
import java.util.List;

import static io.tandem.l7.acl.TestRequest.get;
import static io.tandem.l7.acl.TestRequest.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AclFetchTest {

    static boolean matches(String expression, RequestFacts request) {
        List<ConfigError> errors = new ArrayList<>();
        Acl acl = Acl.compile(expression, new SourcePos("t.yaml", 1, 1), errors);
        assertEquals(List.of(), errors, expression);
        return acl.test(request);
    }

    @Test
    void pathMatchesTheTargetWithoutItsQuery() {
        assertTrue(matches("path /a/b", get("/a/b?x=1")));
        assertFalse(matches("path /a", get("/a/b")));
    }

    @Test
    void pathOfAnAbsoluteFormTargetIsItsPathPart() {
        assertTrue(matches("path /x", get("http://example.com/x?q")));
    }

    @Test
    void pathBegMatchesAnyOfSeveralPrefixes() {
        String acl = "path_beg /static/ /assets/ /media/";
        assertTrue(matches(acl, get("/assets/app.js")));
        assertTrue(matches(acl, get("/media/a.png")));
        assertFalse(matches(acl, get("/api/static/")));
    }

    @Test
    void pathEndMatchesSuffix() {
        assertTrue(matches("path_end .jpg .png", get("/img/a.png?v=2")));
        assertFalse(matches("path_end .jpg", get("/a.jpeg")));
    }

    @Test
    void pathSubMatchesAnywhere() {
        assertTrue(matches("path_sub admin", get("/x/admin/y")));
        assertFalse(matches("path_sub admin", get("/x?admin")));
    }

    @Test
    void pathRegSearchesUnanchored() {
        assertTrue(matches("path_reg \\.php$", get("/index.php")));
        assertTrue(matches("path_reg [0-9]+", get("/user/42/edit")));
        assertFalse(matches("path_reg ^/[0-9]+$", get("/user/42")));
    }

    @Test
    void pathDirMatchesWholeSlashDelimitedWords() {
        assertTrue(matches("path_dir /api", get("/v1/api/users")));
        assertTrue(matches("path_dir api/users", get("/api/users")));
        assertFalse(matches("path_dir api", get("/apis/x")));
    }

    @Test
    void pathLenComparesTheLength() {
        assertTrue(matches("path_len gt 5", get("/abcdef")));
        assertFalse(matches("path_len gt 5", get("/abc")));
    }

    @Test
    void urlIsTheRawRequestTarget() {
        assertTrue(matches("url /a?b=1", get("/a?b=1")));
        assertTrue(matches("url_beg http://", get("http://example.com/")));
        assertTrue(matches("url_sub b=1", get("/a?b=1")));
        assertTrue(matches("url_reg \\?b=[0-9]", get("/a?b=1")));
    }

    @Test
    void queryIsTheTextAfterTheQuestionMarkAndAbsentWithoutOne() {
        assertTrue(matches("query a=1&b=2", get("/p?a=1&b=2")));
        assertTrue(matches("query -m found", get("/p?")));
        assertFalse(matches("query -m found", get("/p")));
    }

    @Test
    void urlParamReadsEachOccurrenceOfTheParameter() {
        assertTrue(matches("url_param(id) -m reg ^[0-9]+$", get("/p?x=1&id=42")));
        assertFalse(matches("url_param(id) -m reg ^[0-9]+$", get("/p?id=4a")));
        assertTrue(matches("url_param(id) 7", get("/p?id=1&id=7")));
        assertFalse(matches("url_param(id) 7", get("/p?xid=7")));
    }

    @Test
    void urlParamAcceptsAnotherDelimiter() {
        assertTrue(matches("url_param(id,;) 7", get("/p?a=1;id=7")));
    }

    @Test
    void hdrTestsEachCommaSeparatedValueOfEveryOccurrence() {
        RequestFacts r = get("/").withHeader("Accept", "text/html, application/json").withHeader("Accept", "image/png");
        assertTrue(matches("hdr(accept) application/json", r));
        assertTrue(matches("hdr(accept) image/png", r));
        assertFalse(matches("hdr(accept) text/html,application/json", r));
    }

    @Test
    void backslashBeforeOrdinaryCharacterStaysForRegexes() {
        assertTrue(matches("hdr_reg(host) ^www\\.example\\.com$", get("/").withHeader("Host", "www.example.com")));
        assertFalse(matches("hdr_reg(host) ^www\\.example\\.com$", get("/").withHeader("Host", "wwwxexample.com")));
    }

    @Test
    void hdrDoesNotSplitInsideQuotes() {
        RequestFacts r = get("/").withHeader("X-A", "\"a,b\", c");
        assertTrue(matches("hdr(x-a) \"\\\"a,b\\\"\"", r));
    }

    @Test
    void hdrNameIsCaseInsensitiveAndValueMatchIsExact() {
        RequestFacts r = get("/").withHeader("Host", "Admin.Example.com");
        assertTrue(matches("hdr(HOST) Admin.Example.com", r));
        assertFalse(matches("hdr(host) admin.example.com", r));
    }

    @Test
    void hdrVariantsSelectTheirMatchMethod() {
        RequestFacts r = get("/").withHeader("Host", "www.example.com:8080").withHeader("User-Agent", "curl/8.5");
        assertTrue(matches("hdr_beg(host) www.", r));
        assertTrue(matches("hdr_end(host) :8080", r));
        assertTrue(matches("hdr_sub(user-agent) curl", r));
        assertTrue(matches("hdr_reg(user-agent) ^curl/[0-9]", r));
        assertTrue(matches("hdr_dom(host) example", r));
        assertTrue(matches("hdr_dom(host) example.com", r));
        assertFalse(matches("hdr_dom(host) exam", r));
    }

    @Test
    void reqHdrIsHdr() {
        assertTrue(matches("req.hdr(x-a) 1", get("/").withHeader("X-A", "0, 1")));
    }

    @Test
    void hdrCntCountsValues() {
        RequestFacts twoHosts = get("/").withHeader("Host", "a").withHeader("Host", "b");
        assertTrue(matches("hdr_cnt(host) gt 1", twoHosts));
        assertFalse(matches("hdr_cnt(host) gt 1", get("/").withHeader("Host", "a")));
        assertTrue(matches("hdr_cnt(x-missing) eq 0", get("/")));
        assertTrue(matches("hdr_cnt(accept) 3", get("/").withHeader("Accept", "a, b").withHeader("Accept", "c")));
    }

    @Test
    void cookieFetchesReadTheNamedCookie() {
        RequestFacts r = get("/").withHeader("Cookie", "a=1; SRVID=s01; b=2");
        assertTrue(matches("req.cook(SRVID) s01", r));
        assertTrue(matches("cook(SRVID) s01", r));
        assertTrue(matches("cook_beg(b) 2", r));
        assertFalse(matches("req.cook(srvid) s01", r));
        assertFalse(matches("req.cook(VID) s01", r));
    }

    @Test
    void cookieFoundInASecondCookieHeader() {
        RequestFacts r = get("/").withHeader("Cookie", "a=1").withHeader("Cookie", "SRVID=s02");
        assertTrue(matches("req.cook(SRVID) s02", r));
    }

    @Test
    void methodMatchesAnyListedMethod() {
        assertTrue(matches("method GET HEAD", request("HEAD", "/")));
        assertFalse(matches("method GET HEAD", request("POST", "/")));
    }

    @Test
    void srcMatchesAddressesAndCidrs() {
        String acl = "src 10.10.1.0/24 127.0.0.1";
        assertTrue(matches(acl, get("/").withSource("10.10.1.77")));
        assertTrue(matches(acl, get("/").withSource("127.0.0.1")));
        assertFalse(matches(acl, get("/").withSource("10.10.2.1")));
    }

    @Test
    void srcAcceptsDottedNetmasks() {
        assertTrue(matches("src 10.0.0.0/255.0.0.0", get("/").withSource("10.200.1.1")));
    }

    @Test
    void srcMatchesIpv6Ranges() {
        assertTrue(matches("src 2001:db8::/32", get("/").withSource("2001:db8::5")));
        assertFalse(matches("src 2001:db8::/32", get("/").withSource("10.0.0.1")));
    }

    @Test
    void ipv4MappedSourceMatchesIpv4Pattern() throws Exception {
        byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 10, 10, 1, 5};
        RequestFacts r = get("/").withSource(Inet6Address.getByAddress(null, mapped, -1));
        assertTrue(matches("src 10.10.1.0/24", r));
        assertTrue(matches("src ::ffff:10.10.1.0/120", get("/").withSource("10.10.1.9")));
    }

    @Test
    void sslFcIsABooleanFetch() {
        assertTrue(matches("ssl_fc", get("/").withTls("a.example")));
        assertFalse(matches("ssl_fc", get("/")));
    }

    @Test
    void sslSniIsAbsentOnPlainConnections() {
        assertTrue(matches("ssl_sni -i A.example", get("/").withTls("a.example")));
        assertFalse(matches("ssl_sni -m found", get("/")));
    }

    @Test
    void tlsFetchesReadTheHandshakeAndAreAbsentOnPlainConnections() {
        RequestFacts tls = get("/").withTls("a.example");
        assertTrue(matches("ssl_fc_sni -i A.example", tls));
        assertTrue(matches("ssl_fc_protocol TLSv1.3", tls));
        assertTrue(matches("ssl_fc_alpn http/1.1", tls));
        assertTrue(matches("ssl_fc_sni_end .example", tls));
        for (String fetch : new String[] {"ssl_fc_sni", "ssl_fc_protocol", "ssl_fc_alpn"}) {
            assertFalse(matches(fetch + " -m found", get("/")), fetch);
        }
    }

    @Test
    void baseIsHostFollowedByPath() {
        RequestFacts r = get("/img/a.png?x").withHeader("Host", "cdn.example.com");
        assertTrue(matches("base cdn.example.com/img/a.png", r));
        assertTrue(matches("base_beg cdn.example.com/img/", r));
        assertTrue(matches("base /x", get("/x")));
    }

    @Test
    void reqVerIsTheVersionNumber() {
        assertTrue(matches("req.ver 1.1", get("/")));
        assertTrue(matches("req.ver 1.0", get("/").withVersion("HTTP/1.0")));
    }
}
