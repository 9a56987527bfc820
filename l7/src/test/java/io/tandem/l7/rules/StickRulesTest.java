package io.tandem.l7.rules;

import io.tandem.core.config.ConfigError;
import io.tandem.core.config.Located;
import io.tandem.core.config.SourcePos;
import io.tandem.core.stick.StickData;
import io.tandem.core.stick.StickKeyType;
import io.tandem.core.stick.StickSchema;
import io.tandem.core.stick.StickTable;
import io.tandem.l7.acl.AclSet;
import io.tandem.l7.acl.StickScope;
import io.tandem.l7.acl.TestRequest;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import static io.tandem.l7.acl.TestRequest.get;
import static io.tandem.l7.rules.RuleRequestTest.lines;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** track-sc rules and sc_/src_ fetches: compile errors at their columns, and what the counters read. */
class StickRulesTest {
    private final AtomicLong clock = new AtomicLong(1_000);
    /** The article's frontend table: ip keys, http_req_rate over 10s. */
    private final StickTable front = table("https_front", StickKeyType.IP,
            Map.of(StickData.HTTP_REQ_RATE, Duration.ofSeconds(10)));
    /** Another section's table, by string key, counting requests, errors and connections. */
    private final StickTable users = table("per_user", StickKeyType.STRING,
            Map.of(StickData.HTTP_REQ_CNT, Duration.ZERO, StickData.HTTP_ERR_CNT, Duration.ZERO,
                    StickData.CONN_CNT, Duration.ZERO));

    private StickTable table(String name, StickKeyType type, Map<StickData, Duration> store) {
        return new StickTable(name, type, 100, Duration.ofMinutes(5), StickSchema.of(store), clock::get);
    }

    private StickScope scope(StickTable own) {
        return new StickScope("frontend 'https_front'", own, Map.of("https_front", front, "per_user", users), Set.of());
    }

    /** Compiles rule lines (line 10 on, column 11) and ACLs in {@code scope}; checks the scope like the compiler. */
    private static HttpRules compile(StickScope scope, List<ConfigError> errors, Map<String, String> acls,
                                        String... lines) {
        Map<String, Located<String>> defs = new LinkedHashMap<>();
        acls.forEach((name, text) -> defs.put(name, new Located<>(text, new SourcePos("t.yaml", 3, 17))));
        HttpRules rules = HttpRules.compileRequest(lines(lines), AclSet.compile(defs, scope, errors), errors);
        scope.check(errors);
        return rules;
    }

    private HttpRules rules(String... lines) {
        List<ConfigError> errors = new ArrayList<>();
        HttpRules rules = compile(scope(front), errors, Map.of(), lines);
        assertEquals(List.of(), errors);
        return rules;
    }

    private List<String> errors(StickTable own, Map<String, String> acls, String... lines) {
        List<ConfigError> errors = new ArrayList<>();
        compile(scope(own), errors, acls, lines);
        return errors.stream().map(ConfigError::toString).toList();
    }

    private static RuleResult apply(HttpRules rules, TestRequest request) {
        return rules.apply(request, request.headers());
    }

    @Test
    void denyAfterTrackSeesTheCountIncludingTheCurrentRequest() {
        HttpRules rules = rules("track-sc0 src", "deny deny_status 429 if { sc_http_req_rate(0) gt 3 }");
        for (int i = 1; i <= 3; i++) {
            assertEquals(RuleResult.CONTINUE, apply(rules, get("/").withSource("10.0.0.1")), "request " + i);
        }
        assertEquals(new RuleResult.Deny(429), apply(rules, get("/").withSource("10.0.0.1")));
        assertEquals(RuleResult.CONTINUE, apply(rules, get("/").withSource("10.0.0.2")), "another client");
        clock.addAndGet(20_000); // two periods later the rate is back to this request alone
        assertEquals(RuleResult.CONTINUE, apply(rules, get("/").withSource("10.0.0.1")));
    }

    @Test
    void aCounterReadsZeroBeforeItTracksAnything() {
        HttpRules rules = rules("deny deny_status 429 if { sc_http_req_rate(0) lt 1 }", "track-sc0 src");
        assertEquals(new RuleResult.Deny(429), apply(rules, get("/")));
    }

    @Test
    void aSecondTrackOfTheSameCounterIsIgnored() {
        HttpRules rules = rules("track-sc1 hdr(x-user) table per_user", "track-sc1 src table per_user",
                "deny if { sc1_http_req_cnt gt 2 }");
        TestRequest alice = get("/").withHeader("X-User", "alice");
        assertEquals(RuleResult.CONTINUE, apply(rules, alice.withSource("10.0.0.1")));
        assertEquals(RuleResult.CONTINUE, apply(rules, alice.withSource("10.0.0.2")));
        assertEquals(new RuleResult.Deny(403), apply(rules, alice.withSource("10.0.0.3")));
        assertEquals(3, users.lookup("alice").read(StickData.HTTP_REQ_CNT));
        assertEquals(3, users.lookup("alice").read(StickData.CONN_CNT), "each test request is a new connection");
        assertNull(users.lookup("10.0.0.1"), "sc1 already tracked alice");
        assertEquals(RuleResult.CONTINUE, apply(rules, get("/").withSource("10.0.0.1")), "no header: the source");
        assertEquals(1, users.lookup("10.0.0.1").read(StickData.HTTP_REQ_CNT));
    }

    @Test
    void trackIfConditionAndTheThreeCounterSpellings() {
        HttpRules rules = rules("track-sc2 url_param(key) table per_user if { path_beg /api/ }",
                "return status 200 content-type text/plain lf-string %[sc_http_req_cnt(2)]/%[sc2_http_req_cnt]"
                        + "/%[sc_http_req_cnt(2,per_user)]");
        assertEquals(new RuleResult.Return(200, "text/plain", "1/1/1"), apply(rules, get("/api/?key=k1")));
        assertEquals(new RuleResult.Return(200, "text/plain", "2/2/2"), apply(rules, get("/api/?key=k1")));
        assertEquals(new RuleResult.Return(200, "text/plain", "0/0/0"), apply(rules, get("/web/?key=k1")));
    }

    @Test
    void srcFetchesReadTheClientsEntryWithoutTrackingIt() {
        HttpRules rules = rules("track-sc0 src", "deny if { src_http_req_rate gt 1 }",
                "return status 200 content-type text/plain lf-string %[src_http_req_cnt(per_user)]");
        assertEquals(new RuleResult.Return(200, "text/plain", "0"), apply(rules, get("/").withSource("10.0.0.9")));
        assertEquals(new RuleResult.Deny(403), apply(rules, get("/").withSource("10.0.0.9")));
    }

    @Test
    void fetchingDataTheTrackedTableDoesNotStoreIsAnErrorAtTheFetch() {
        assertEquals(List.of("t.yaml:10:37: stick-table of https_front does not store http_req_cnt"),
                errors(front, Map.of(), "deny deny_status 429 if { sc_http_req_cnt(0) gt 100 }", "track-sc0 src"));
        assertEquals(List.of("t.yaml:3:17: stick-table of per_user does not store http_req_rate"),
                errors(front, Map.of("abuser", "sc1_http_req_rate gt 10"), "track-sc1 src table per_user"));
        assertEquals(List.of("t.yaml:11:21: stick-table of https_front does not store conn_cnt"),
                errors(front, Map.of(), "track-sc0 src", "deny if { src_conn_cnt gt 10 }"));
        assertEquals(List.of("t.yaml:10:21: stick-table of https_front does not store http_err_cnt"),
                errors(front, Map.of(), "deny if { sc_http_err_cnt(0,https_front) gt 10 }"));
    }

    @Test
    void trackingNeedsATable() {
        assertEquals(List.of("t.yaml:10:11: 'track-sc0' needs a stick-table: frontend 'https_front' has none "
                + "(add a stick-table or name one with 'table NAME')"), errors(null, Map.of(), "track-sc0 src"));
        assertEquals(List.of("t.yaml:10:31: no stick-table named 'per_usr'; did you mean 'per_user'?"),
                errors(front, Map.of(), "track-sc0 src table per_usr"));
        assertEquals(List.of("t.yaml:10:30: 'table' needs the name of a frontend or backend with a stick-table"),
                errors(front, Map.of(), "track-sc0 src table"));
        assertEquals(List.of("t.yaml:10:20: 'track-sc0' needs a sample fetch to track, e.g. src"),
                errors(front, Map.of(), "track-sc0"));
        assertEquals(List.of("t.yaml:10:21: unknown fetch 'srcc'; did you mean 'src'?"),
                errors(front, Map.of(), "track-sc0 srcc"));
        assertEquals(List.of("t.yaml:10:11: no stick counter 'sc3': counters are sc0, sc1 and sc2"),
                errors(front, Map.of(), "track-sc3 src"));
        assertEquals(List.of("t.yaml:10:11: stick counter action 'sc-inc-gpc0' is not supported yet"),
                errors(front, Map.of(), "sc-inc-gpc0(0)"));
    }
}
