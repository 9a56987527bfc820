package io.tandem.l7.proxy;

import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.tandem.core.testing.Prerequisites;
import io.tandem.core.testing.TestCertificates;
import io.tandem.core.testing.TestHttpBackend;
import io.tandem.core.testing.TestPorts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Debian's HAProxy 2.6 as a differential oracle for routing decisions. The same configuration runs twice on loopback,
 * once as haproxy.cfg and once as Tandem YAML, in front of the same named backends; a generated corpus of requests
 * goes to both, each on a fresh connection, and every answer is compared: status, the pool of the server that
 * answered (or that none did), the exact server where the choice is deterministic (cookie-pinned), Location of
 * redirects, whether a persistence cookie was set, for whom and with which attributes, and what the server saw
 * (X-Route, Cookie, X-Forwarded-For; each server says so in its answer, see {@link TestHttpBackend#echoing}).
 * {@code balance uri} picks are compared for consistency within each proxy, since the two hash functions differ.
 *
 * <p>Two configurations: the article's frontend and backends reduced to what plain text can show (a redirect of
 * {@code /login} only, a deny and a set-header added), and the article's whole configuration, read from
 * docs/migrating-from-haproxy.md (its haproxy.cfg and the tandem.yaml it says is the same), with its three binds, TLS with the same certificate on both (HAProxy {@code ssl
 * crt ... alpn h2,http/1.1}, Tandem {@code tls crt ... alpn h2,http/1.1}), the rate limit, health checks, X-Forwarded-For
 * and the admin server over TLS ({@code ssl verify none}); its corpus goes over plain HTTP, through the PROXY-protocol
 * bind, over TLS (HTTP/1.1) and over HTTP/2 on TLS. The article's addresses become loopback ones, its maxconn 1000
 * (HAProxy needs two file descriptors a connection, more than a test machine allows for 50000), and its admin ACL
 * also allows 127.0.2.0/24 so that both of its outcomes are reached: the client of each request has its own address
 * in 127.0.1.0/24 (denied) or 127.0.2.0/24 (allowed), few requests each, so that the rate limit only bites in the test
 * made for it.
 *
 * <p>What the comparison leaves out, and why: the exact server of roundrobin/leastconn picks (each proxy keeps its
 * own rotation); the Upgrade header the server sees (HAProxy forwards it, Tandem strips it); and Cache-Control on
 * responses that insert a cookie (HAProxy's {@code nocache} adds {@code private} only to responses it deems
 * cacheable, which the test backends' answers are not, while Tandem always adds it). Some WebSocket handshakes
 * lack their Sec-WebSocket-Key, which both answer with 400 before routing. Over HTTP/2 a request has no
 * {@code Connection} or {@code Upgrade} (RFC 9113 §8.2.2): the corpus's requests go without them, and a few requests
 * that carry them check that both refuse them.
 *
 * <p>One difference is deliberate, and the test checks that Tandem does what it says (see {@link #deliberate}): an
 * HTTP/2 request whose {@code host} names another authority than its {@code :authority}. Every other difference
 * fails the test.
 */
class HaproxyDifferentialTest {
    private static final long SEED = 0x7A4D3EL;
    private static final int RANDOM_REQUESTS = 340;
    /** The headers each server reports having seen. */
    private static final String[] SEEN = {"X-Route", "Cookie", "X-Forwarded-For"};
    /** The name the clients send as SNI, one of the site certificate's. */
    private static final String SNI = "www.solvethenetwork.com";

    /** Server → the backend (pool) it belongs to, in both configurations. */
    private static final Map<String, String> POOL_OF = new LinkedHashMap<>();
    /** app_cluster's persistence cookie values → server. */
    private static final Map<String, String> APP_COOKIES = Map.of("s01", "app-01", "s02", "app-02");

    static {
        POOL_OF.put("api-01", "api_cluster");
        POOL_OF.put("api-02", "api_cluster");
        POOL_OF.put("app-01", "app_cluster");
        POOL_OF.put("app-02", "app_cluster");
        POOL_OF.put("adm-01", "admin_cluster");
        POOL_OF.put("ws-01", "ws_cluster");
        POOL_OF.put("cdn-01", "static_cluster");
        POOL_OF.put("cdn-02", "static_cluster");
    }

    private static final Map<String, TestHttpBackend> backends = new LinkedHashMap<>();
    private static TestCertificates certs;
    /** The site's certificate, chain and key: the TLS bind's {@code crt} on both proxies. */
    private static Path site;
    private static SSLSocketFactory tlsClient;

    /** The admin backend's {@code valid_admin_src}: loopback clients are denied by one, allowed by the other. */
    enum AdminSource {
        LOOPBACK_DENIED("10.10.1.0/24"),
        LOOPBACK_ALLOWED("10.10.1.0/24 127.0.0.1/32");

        final String patterns;

        AdminSource(String patterns) {
            this.patterns = patterns;
        }
    }

    /** How a request reaches a proxy. */
    enum Transport {
        /** HTTP/1 in plain text. */
        PLAIN,
        /** HTTP/1 in plain text on the {@code accept-proxy} bind, after a PROXY v1 header naming another client. */
        PROXY,
        /** HTTP/1 over TLS, ALPN http/1.1. */
        TLS,
        /** HTTP/2 over TLS, ALPN h2, one stream on its own connection. */
        H2
    }

    /** The ports of one proxy's binds: TLS, plain, and plain with the PROXY protocol. */
    private record Ports(int tls, int plain, int proxied) {
    }

    /** One request of a run: the probe, how it goes, and the client address it comes from. */
    private record Send(Transport transport, Probe probe, InetAddress source) {
        @Override
        public String toString() {
            return transport + " from " + source.getHostAddress() + ": " + probe;
        }
    }

    @BeforeAll
    static void startBackends() throws Exception {
        Prerequisites.requireExecutable(HaproxyProcess.HAPROXY, "haproxy");
        // The JDK's HttpServer writes head and body apart with Nagle on; over Tandem's reused upstream connections
        // (in delayed-ACK mode) that costs 40 ms a response and made this test ten times slower. HAProxy opens a
        // new server connection per client connection here, so it never showed. Read once, when HttpServer's
        // config class loads: if an earlier test in this JVM loaded it, this test is only slower.
        System.setProperty("sun.net.httpserver.nodelay", "true");
        certs = TestCertificates.create();
        site = certs.leaf("site", TestCertificates.Kind.RSA, "DNS:solvethenetwork.com", "DNS:*.solvethenetwork.com");
        certs.leaf("adm", TestCertificates.Kind.RSA, "DNS:adm-01.internal", "IP:127.0.0.1");
        SSLContext admin = certs.serverContext("adm");
        for (String name : POOL_OF.keySet()) {
            TestHttpBackend backend = name.equals("adm-01") ? TestHttpBackend.startTls(name, admin)
                    : TestHttpBackend.start(name);
            backends.put(name, backend.echoing(SEEN));
        }
        tlsClient = clientTrusting(certs.ca(TestCertificates.Kind.RSA));
    }

    @AfterAll
    static void stopBackends() throws IOException {
        backends.values().forEach(TestHttpBackend::close);
        backends.clear();
        if (certs != null) {
            certs.close();
        }
    }

    private static SSLSocketFactory clientTrusting(Path ca) throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(ca)) {
            trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trustManagers.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trustManagers.getTrustManagers(), null);
        return context.getSocketFactory();
    }

    @ParameterizedTest
    @EnumSource(AdminSource.class)
    void routingDecisionsMatchHaproxy(AdminSource admin) throws Exception {
        List<Send> sends = new ArrayList<>();
        for (Probe probe : corpus()) {
            sends.add(new Send(Transport.PLAIN, probe, InetAddress.getLoopbackAddress()));
        }
        List<String> wanted = new ArrayList<>(List.of("PLAIN 200 api_cluster", "PLAIN 200 app_cluster",
                "PLAIN 200 ws_cluster", "PLAIN 200 static_cluster", "PLAIN 403 -", "PLAIN 400 -", "PLAIN 301 -"));
        if (admin == AdminSource.LOOPBACK_ALLOWED) {
            wanted.add("PLAIN 200 admin_cluster");
        }
        try (HaproxyProcess haproxy = HaproxyProcess.start(haproxyConfig(admin));
             ProxyHarness tandem = ProxyHarness.start(tandemConfig(admin), Map.of())) {
            compare(sends, new Ports(0, haproxy.port, 0), new Ports(0, tandem.port, 0), wanted, admin.toString());
        }
    }

    /**
     * The article's whole configuration: every request of the corpus goes over plain HTTP (where {@code !{ ssl_fc }}
     * redirects all of them), over TLS and over HTTP/2, some through the PROXY-protocol bind, and a few HTTP/2
     * requests carry connection headers; each is decided as HAProxy decides it.
     */
    @Test
    void theArticlesWholeConfigDecidesAsHaproxyOverPlainTextTlsAndHttp2() throws Exception {
        List<Probe> corpus = corpus();
        List<Send> sends = new ArrayList<>();
        for (int i = 0; i < corpus.size(); i++) {
            Probe probe = corpus.get(i);
            InetAddress source = articleClient(i);
            sends.add(new Send(Transport.PLAIN, probe, source));
            sends.add(new Send(Transport.TLS, probe, source));
            sends.add(new Send(Transport.H2, probe.withoutUpgrade(), source));
            if (i % 10 == 0) {
                sends.add(new Send(Transport.PROXY, probe, source));
            }
        }
        for (List<String> header : List.of(List.of("upgrade", "websocket"), List.of("connection", "keep-alive"),
                List.of("transfer-encoding", "chunked"), List.of("te", "trailers"), List.of("te", "gzip"))) {
            sends.add(new Send(Transport.H2, new Probe("GET", "/", SNI, null, false, null, false, header),
                    articleClient(0)));
        }
        List<String> wanted = List.of("PLAIN 301 -", "PROXY 301 -", "TLS 200 api_cluster", "TLS 200 app_cluster",
                "TLS 200 ws_cluster", "TLS 200 static_cluster", "TLS 200 admin_cluster", "TLS 403 -", "TLS 400 -",
                "H2 200 api_cluster", "H2 200 app_cluster", "H2 200 static_cluster", "H2 200 admin_cluster",
                "H2 403 -");
        try (Article article = Article.start()) {
            compare(sends, article.haproxyPorts, article.tandemPorts, wanted, "the article's config");
        }
    }

    /**
     * {@code deny deny_status 429 if { sc_http_req_rate(0) gt 100 }}: one client's requests over HTTP/2 on one
     * connection, as fast as both answer; each proxy lets the first 100 through, and both deny the client once its
     * rate is well past 100. (Between the two, HAProxy's rate is an estimate across its 10 s periods, so the exact
     * request at which the 429s start may differ when a period ends during the burst.)
     */
    @Test
    void theArticlesRateLimitDeniesTheSameRequestsAsHaproxy() throws Exception {
        try (Article article = Article.start()) {
            InetAddress client = InetAddress.getByName("127.0.3.1");
            List<Integer> haproxy = burst(article.haproxyPorts.tls(), client);
            List<Integer> tandem = burst(article.tandemPorts.tls(), client);
            for (List<Integer> statuses : List.of(haproxy, tandem)) {
                String which = statuses == haproxy ? "haproxy " : "tandem ";
                assertEquals(List.of(200), statuses.subList(0, 100).stream().distinct().toList(), which + statuses);
                assertEquals(List.of(429), statuses.subList(140, 150).stream().distinct().toList(), which + statuses);
                assertEquals(statuses.subList(100, 150).stream().sorted().toList(), statuses.subList(100, 150),
                        which + "denies, then lets through again: " + statuses);
            }
        }
    }

    /** The statuses of 150 GETs from {@code client}, one stream after the other on one HTTP/2 connection. */
    private static List<Integer> burst(int port, InetAddress client) throws Exception {
        List<Integer> statuses = new ArrayList<>();
        Probe probe = new Probe("GET", "/api/users", SNI, null, false, null, false);
        try (RawHttp2Client h2 = new RawHttp2Client(tls(connect(port, client), port, "h2"))) {
            for (int stream = 1; statuses.size() < 150; stream += 2) {
                statuses.add(exchange(h2, stream, probe).status);
            }
        }
        return statuses;
    }

    /** The client address of the corpus's request {@code index}: ten requests each, odd ones allowed to admin. */
    private static InetAddress articleClient(int index) throws IOException {
        return InetAddress.getByName("127.0." + (1 + index % 2) + "." + (1 + index / 20 % 250));
    }

    /** HAProxy and Tandem running the article's config, each on its three binds. */
    private static final class Article implements AutoCloseable {
        final HaproxyProcess haproxy;
        final ProxyHarness tandem;
        final Ports haproxyPorts;
        final Ports tandemPorts;

        private Article(HaproxyProcess haproxy, Ports haproxyPorts, ProxyHarness tandem, Ports tandemPorts) {
            this.haproxy = haproxy;
            this.haproxyPorts = haproxyPorts;
            this.tandem = tandem;
            this.tandemPorts = tandemPorts;
        }

        static Article start() throws Exception {
            int haproxyPlain = TestPorts.freePort();
            int haproxyProxied = TestPorts.freePort();
            HaproxyProcess haproxy = HaproxyProcess.start(article("haproxy")
                    .replace("${PLAIN}", String.valueOf(haproxyPlain))
                    .replace("${PROXIED}", String.valueOf(haproxyProxied)));
            try {
                int tandemPlain = TestPorts.freePort();
                int tandemProxied = TestPorts.freePort();
                ProxyHarness tandem = ProxyHarness.start(article("yaml"), Map.of(
                        "PLAIN", String.valueOf(tandemPlain), "PROXIED", String.valueOf(tandemProxied)));
                return new Article(haproxy, new Ports(haproxy.port, haproxyPlain, haproxyProxied), tandem,
                        new Ports(tandem.port, tandemPlain, tandemProxied));
            } catch (Exception | Error e) {
                haproxy.close();
                throw e;
            }
        }

        @Override
        public void close() throws Exception {
            try (HaproxyProcess stopHaproxy = haproxy) {
                tandem.close();
            }
        }
    }

    /**
     * Sends every request to both proxies, HAProxy first, and fails with every disagreement; {@code wanted} are
     * the outcomes ({@code TRANSPORT STATUS POOL}) HAProxy must have given, for the corpus to be worth anything.
     */
    private static void compare(List<Send> sends, Ports haproxyPorts, Ports tandemPorts, List<String> wanted,
                                String run) throws Exception {
        List<String> disagreements = new ArrayList<>();
        Map<String, Map<String, String>> uriPicks = Map.of("haproxy", new HashMap<>(), "tandem", new HashMap<>());
        Set<String> covered = new TreeSet<>();
        Map<String, Integer> deliberate = new TreeMap<>();
        for (Send send : sends) {
            Outcome expected = send(haproxyPorts, send);
            Outcome actual = send(tandemPorts, send);
            List<String> differences = differences(send.probe(), expected, actual);
            if (!differences.isEmpty()) {
                String report = send + "\n      haproxy: " + expected + "\n      tandem:  " + actual
                        + "\n      differ:  " + String.join("; ", differences);
                String reason = deliberate(send, actual);
                if (reason == null) {
                    disagreements.add(report);
                } else {
                    deliberate.merge(reason, 1, Integer::sum);
                }
            }
            covered.add(send.transport() + " " + expected.status + " "
                    + Objects.requireNonNullElse(POOL_OF.get(expected.server), "-"));
            checkUriConsistency("haproxy", send.probe(), expected, uriPicks.get("haproxy"), disagreements);
            checkUriConsistency("tandem", send.probe(), actual, uriPicks.get("tandem"), disagreements);
        }
        assertTrue(covered.containsAll(wanted), "the corpus misses some of " + wanted + "; it covered " + covered);
        deliberate.forEach((reason, count) -> System.out.println("HaproxyDifferentialTest (" + run + "): " + count
                + " requests differ deliberately: " + reason));
        if (!disagreements.isEmpty()) {
            fail(disagreements.size() + " of " + sends.size() + " requests disagree with HAProxy (" + run + "):\n  "
                    + String.join("\n  ", disagreements));
        }
    }

    @Test
    void insertedCookieNamesAnAppServerWithTheSameAttributesAsHaproxy() throws Exception {
        Probe first = new Probe("GET", "/", "www.solvethenetwork.com", null, false, null, true);
        try (HaproxyProcess haproxy = HaproxyProcess.start(haproxyConfig(AdminSource.LOOPBACK_DENIED));
             ProxyHarness tandem = ProxyHarness.start(tandemConfig(AdminSource.LOOPBACK_DENIED), Map.of())) {
            SetCookie fromHaproxy = firstAppCookie("haproxy", haproxy.port, first);
            SetCookie fromTandem = firstAppCookie("tandem", tandem.port, first);
            assertEquals(fromHaproxy.attributes(), fromTandem.attributes(),
                    "Set-Cookie attributes: haproxy " + fromHaproxy + ", tandem " + fromTandem);
            assertEquals(Map.of("path", "/", "httponly", ""), fromTandem.attributes());
        }
    }

    /** Sends the first request of a client to app_cluster and checks the cookie it gets back names its server. */
    private static SetCookie firstAppCookie(String proxy, int port, Probe probe) throws Exception {
        Outcome outcome = send(new Ports(0, port, 0),
                new Send(Transport.PLAIN, probe, InetAddress.getLoopbackAddress()));
        assertEquals(200, outcome.status, proxy + ": " + outcome);
        assertEquals("app_cluster", POOL_OF.get(outcome.server), proxy + ": " + outcome);
        assertNotNull(outcome.setCookie, proxy + " sets no cookie on a first app_cluster request: " + outcome);
        SetCookie cookie = SetCookie.parse(outcome.setCookie);
        assertEquals("SRVID", cookie.name(), proxy + ": " + outcome.setCookie);
        assertEquals(outcome.server, APP_COOKIES.get(cookie.value()),
                proxy + ": the cookie must name the server that answered: " + outcome);
        return cookie;
    }

    // ---- the two configurations -------------------------------------------------------------------------------

    private static int port(String server) {
        return backends.get(server).port();
    }

    private static String haproxyConfig(AdminSource admin) {
        return """
                global
                    nbthread 1
                    maxconn 1000

                defaults
                    mode http
                    timeout connect 2s
                    timeout client 10s
                    timeout server 10s

                frontend https_front
                    bind 127.0.0.1:${PORT}
                    acl is_api path_beg /api/
                    acl is_admin hdr(host) -i admin.solvethenetwork.com
                    acl is_static path_beg /static/ /assets/ /media/
                    acl is_websocket hdr(Upgrade) -i websocket
                    http-request redirect scheme https code 301 if !{ ssl_fc } { path_beg /login }
                    http-request deny deny_status 403 if { path_sub /.git }
                    http-request set-header X-Route tandem-test
                    use_backend ws_cluster if is_websocket
                    use_backend admin_cluster if is_admin
                    use_backend api_cluster if is_api
                    use_backend static_cluster if is_static
                    default_backend app_cluster

                backend api_cluster
                    balance leastconn
                    server api-01 127.0.0.1:%d
                    server api-02 127.0.0.1:%d

                backend app_cluster
                    balance roundrobin
                    cookie SRVID insert indirect nocache httponly
                    server app-01 127.0.0.1:%d cookie s01
                    server app-02 127.0.0.1:%d cookie s02

                backend admin_cluster
                    balance leastconn
                    acl valid_admin_src src %s
                    http-request deny unless valid_admin_src
                    server adm-01 127.0.0.1:%d ssl verify none

                backend ws_cluster
                    balance roundrobin
                    timeout tunnel 3600s
                    server ws-01 127.0.0.1:%d

                backend static_cluster
                    balance uri
                    server cdn-01 127.0.0.1:%d
                    server cdn-02 127.0.0.1:%d
                """.formatted(port("api-01"), port("api-02"),
                port("app-01"), port("app-02"), admin.patterns, port("adm-01"), port("ws-01"), port("cdn-01"),
                port("cdn-02"));
    }

    private static String tandemConfig(AdminSource admin) {
        return """
                defaults:
                  timeout: { connect: 2s, client: 10s, server: 10s }
                l7:
                  frontends:
                    https_front:
                      bind: 127.0.0.1:${PORT}
                      acl:
                        is_api: path_beg /api/
                        is_admin: hdr(host) -i admin.solvethenetwork.com
                        is_static: path_beg /static/ /assets/ /media/
                        is_websocket: hdr(Upgrade) -i websocket
                      http-request:
                        - redirect scheme https code 301 if !{ ssl_fc } { path_beg /login }
                        - deny deny_status 403 if { path_sub /.git }
                        - set-header X-Route tandem-test
                      use-backend:
                        - ws_cluster if is_websocket
                        - admin_cluster if is_admin
                        - api_cluster if is_api
                        - static_cluster if is_static
                      default-backend: app_cluster
                  backends:
                    api_cluster:
                      balance: leastconn
                      servers:
                        api-01: 127.0.0.1:%d
                        api-02: 127.0.0.1:%d
                    app_cluster:
                      balance: roundrobin
                      cookie: SRVID insert indirect nocache httponly
                      servers:
                        app-01: { address: "127.0.0.1:%d", cookie: s01 }
                        app-02: { address: "127.0.0.1:%d", cookie: s02 }
                    admin_cluster:
                      balance: leastconn
                      acl: { valid_admin_src: src %s }
                      http-request:
                        - deny unless valid_admin_src
                      servers:
                        adm-01: { address: "127.0.0.1:%d", ssl: { verify: none } }
                    ws_cluster:
                      balance: roundrobin
                      timeout: { tunnel: 3600s }
                      servers: { ws-01: "127.0.0.1:%d" }
                    static_cluster:
                      balance: uri
                      servers:
                        cdn-01: 127.0.0.1:%d
                        cdn-02: 127.0.0.1:%d
                """.formatted(port("api-01"), port("api-02"),
                port("app-01"), port("app-02"), admin.patterns, port("adm-01"), port("ws-01"), port("cdn-01"),
                port("cdn-02"));
    }

    /** The article: the haproxy.cfg and tandem.yaml that docs/migrating-from-haproxy.md says are the same. */
    private static final Path ARTICLE = Path.of("..", "docs", "migrating-from-haproxy.md");

    /**
     * The article's haproxy.cfg ({@code "haproxy"}) or tandem.yaml ({@code "yaml"}), as the doc has them, moved to
     * loopback: the TLS bind on {@code ${PORT}}, the plain one on {@code ${PLAIN}}, the PROXY-protocol one on
     * {@code ${PROXIED}}, each server on its test backend, the site certificate; maxconn 1000, and the admin ACL
     * also allowing 127.0.2.0/24 (see the class comment).
     */
    private static String article(String language) throws IOException {
        String doc = Files.readString(ARTICLE);
        String fence = "```" + language + "\n";
        int start = doc.indexOf(fence);
        assertTrue(start >= 0, "no " + fence.strip() + " block in " + ARTICLE);
        String config = doc.substring(start + fence.length(), doc.indexOf("```", start + fence.length()));
        Map<String, String> moves = new LinkedHashMap<>();
        moves.put("10.10.10.100:443", "127.0.0.1:${PORT}");
        moves.put("10.10.10.100:80", "127.0.0.1:${PLAIN}");
        moves.put("127.0.0.1:8081", "127.0.0.1:${PROXIED}");
        moves.put("/etc/ssl/solvethenetwork.com.pem", site.toString());
        moves.put("10.10.20.21:8080", "127.0.0.1:" + port("api-01"));
        moves.put("10.10.20.22:8080", "127.0.0.1:" + port("api-02"));
        moves.put("10.10.20.31:8080", "127.0.0.1:" + port("app-01"));
        moves.put("10.10.20.32:8080", "127.0.0.1:" + port("app-02"));
        moves.put("10.10.20.41:8443", "127.0.0.1:" + port("adm-01"));
        moves.put("10.10.20.51:9000", "127.0.0.1:" + port("ws-01"));
        moves.put("10.10.20.61:80", "127.0.0.1:" + port("cdn-01"));
        String maxconn = language.equals("yaml") ? "maxconn: " : "maxconn ";
        moves.put(maxconn + "50000", maxconn + "1000");
        moves.put("src 10.10.1.0/24", "src 10.10.1.0/24 127.0.2.0/24");
        for (Map.Entry<String, String> move : moves.entrySet()) {
            assertTrue(config.contains(move.getKey()), ARTICLE + "'s " + language + " has no " + move.getKey());
            config = config.replace(move.getKey(), move.getValue());
        }
        return config;
    }

    // ---- the corpus -------------------------------------------------------------------------------------------

    private static final List<String> PATHS = List.of(
            "/", "/index.html", "/app?x=1", "/app;jsessionid=1",
            "/api/", "/api/users", "/api/v1/items?id=7", "/api", "/apix", "/API/users", "/api//double",
            "/static/a.css", "/static/a.css?v=2", "/static", "/assets/x", "/assets/x?y=1", "/media/y", "/mediax/y",
            "/STATIC/upper", "/static/../api/x", "/%61pi/x", "/api/%2e%2e/app",
            "/login", "/login?next=/app", "/login/.git", "/loginpage", "/Login",
            "/a/.git/config", "/.git", "/.GIT/config", "/static/.git/HEAD", "/api/.gitignore",
            "http://www.solvethenetwork.com/api/absolute", "http://www.solvethenetwork.com/login?x=1");
    /** A null host sends an HTTP/1.0 request without Host (HTTP/1.1 requires one). */
    private static final List<String> HOSTS = Arrays.asList(
            null, "www.solvethenetwork.com", "www.solvethenetwork.com", "solvethenetwork.com", "example.com",
            "admin.solvethenetwork.com", "admin.solvethenetwork.com", "ADMIN.SolveTheNetwork.com",
            "admin.solvethenetwork.com:8080", "admin.solvethenetwork.com.", "notadmin.solvethenetwork.com");
    private static final List<String> UPGRADES = Arrays.asList(
            null, null, null, "websocket", "WebSocket", "h2c", "h2c, websocket");
    private static final List<String> COOKIES = Arrays.asList(
            null, null, null, "SRVID=s01", "SRVID=s02", "SRVID=bogus", "theme=dark; SRVID=s02", "theme=dark",
            "srvid=s01", "XSRVID=s02", "SRVID=s02; SRVID=s01", "SRVID=", "theme=dark\r\nCookie: SRVID=s01");
    private static final List<String> METHODS = List.of(
            "GET", "GET", "GET", "HEAD", "POST", "OPTIONS", "DELETE");

    /** Hand-picked cases first (every path once, plain), then a fixed-seed random mix of every dimension. */
    private static List<Probe> corpus() {
        List<Probe> probes = new ArrayList<>();
        for (String path : PATHS) {
            probes.add(new Probe("GET", path, "www.solvethenetwork.com", null, false, null, true));
        }
        for (String cookie : List.of("SRVID=s01", "SRVID=s02", "SRVID=s01", "SRVID=s02")) {
            probes.add(new Probe("GET", "/", "www.solvethenetwork.com", null, false, cookie, true));
        }
        probes.add(new Probe("GET", "/", "admin.solvethenetwork.com", null, false, null, true));
        probes.add(new Probe("GET", "/", "www.solvethenetwork.com", "websocket", true, null, true));
        probes.add(new Probe("GET", "/", "www.solvethenetwork.com", "websocket", true, null, false));
        probes.add(new Probe("GET", "http://www.solvethenetwork.com/api/absolute", "admin.solvethenetwork.com",
                null, false, null, true));
        probes.add(new Probe("POST", "/api/users", "www.solvethenetwork.com", "websocket", true, null, true));
        Random random = new Random(SEED);
        for (int i = 0; i < RANDOM_REQUESTS; i++) {
            probes.add(new Probe(pick(random, METHODS), pick(random, PATHS), pick(random, HOSTS),
                    pick(random, UPGRADES), random.nextBoolean(), pick(random, COOKIES), random.nextInt(4) > 0));
        }
        return probes;
    }

    private static <T> T pick(Random random, List<T> values) {
        return values.get(random.nextInt(values.size()));
    }

    /**
     * One request of the corpus; {@code null} fields are headers the request does not carry. {@code websocketKey}:
     * a websocket upgrade carries its Sec-WebSocket-Key and Sec-WebSocket-Version. {@code extra}: more header
     * names and values, in pairs.
     */
    record Probe(String method, String target, String host, String upgrade, boolean connectionUpgrade,
                 String cookie, boolean websocketKey, List<String> extra) {
        Probe(String method, String target, String host, String upgrade, boolean connectionUpgrade, String cookie,
              boolean websocketKey) {
            this(method, target, host, upgrade, connectionUpgrade, cookie, websocketKey, List.of());
        }

        /** The same request without Upgrade and Connection, as HTTP/2 carries it. */
        Probe withoutUpgrade() {
            return new Probe(method, target, host, null, false, cookie, false, extra);
        }

        boolean hasBody() {
            return method.equals("POST");
        }

        String render() {
            StringBuilder request = new StringBuilder(method).append(' ').append(target)
                    .append(host == null ? " HTTP/1.0\r\n" : " HTTP/1.1\r\n");
            if (host != null) {
                request.append("Host: ").append(host).append("\r\n");
            }
            if (upgrade != null) {
                if (connectionUpgrade) {
                    request.append("Connection: Upgrade\r\n");
                }
                request.append("Upgrade: ").append(upgrade).append("\r\n");
                if (websocketKey && upgrade.toLowerCase(Locale.ROOT).contains("websocket")) {
                    request.append("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n");
                }
            }
            if (cookie != null) {
                request.append("Cookie: ").append(cookie).append("\r\n");
            }
            for (int i = 0; i < extra.size(); i += 2) {
                request.append(extra.get(i)).append(": ").append(extra.get(i + 1)).append("\r\n");
            }
            if (hasBody()) {
                request.append("Content-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello");
            } else {
                request.append("\r\n");
            }
            return request.toString();
        }

        /**
         * The request as HTTP/2 headers: an absolute-form target gives {@code :authority} (and Host, if the
         * request has one, goes along as {@code host}), else Host does; each Cookie line is a {@code cookie} field.
         */
        Http2Headers http2() {
            Http2Headers headers = new DefaultHttp2Headers(false);
            String path = target;
            String authority = host;
            if (target.startsWith("http://")) {
                int slash = target.indexOf('/', "http://".length());
                authority = target.substring("http://".length(), slash);
                path = target.substring(slash);
            }
            headers.method(method).scheme("https").path(path);
            if (authority != null) {
                headers.authority(authority);
            }
            if (target.startsWith("http://") && host != null) {
                headers.add("host", host);
            }
            if (cookie != null) {
                for (String line : cookie.split("\r\nCookie: ")) {
                    headers.add("cookie", line);
                }
            }
            for (int i = 0; i < extra.size(); i += 2) {
                headers.add(extra.get(i), extra.get(i + 1));
            }
            if (hasBody()) {
                headers.add("content-type", "text/plain").add("content-length", "5");
            }
            return headers;
        }

        /** The persistence cookie value the request carries, or null. */
        String srvid() {
            if (cookie == null) {
                return null;
            }
            for (String pair : cookie.split("[;\r\n]|Cookie:")) {
                String trimmed = pair.trim();
                if (trimmed.startsWith("SRVID=")) {
                    return trimmed.substring("SRVID=".length());
                }
            }
            return null;
        }

        @Override
        public String toString() {
            return method + " " + target + " [Host: " + host + "] [Upgrade: " + upgrade
                    + (upgrade != null && connectionUpgrade ? " + Connection: Upgrade" : "")
                    + (upgrade != null && !websocketKey ? ", no key" : "") + "] [Cookie: "
                    + (cookie == null ? null : cookie.replace("\r\n", "\\r\\n")) + "]"
                    + (extra.isEmpty() ? "" : " " + extra);
        }
    }

    // ---- sending and comparing --------------------------------------------------------------------------------

    /**
     * What one proxy did with a request. {@code server} is the server that answered (null: none did);
     * {@code seenRoute}, {@code seenCookie} and {@code seenForwardedFor} are the headers that server got. A status of
     * -1 is an HTTP/2 stream reset without an answer, -2 a connection closed without one; {@code body} then says so.
     */
    record Outcome(int status, String server, String location, String setCookie,
                   String seenRoute, String seenCookie, String seenForwardedFor, String body) {
        /** The outcome of an answer whose header {@code NAME} is {@code header.apply(NAME)} (null when absent). */
        static Outcome of(int status, Function<String, String> header, String body) {
            return new Outcome(status, header.apply("X-Served-By"), header.apply("Location"),
                    header.apply("Set-Cookie"), header.apply("X-Seen-X-Route"), header.apply("X-Seen-Cookie"),
                    header.apply("X-Seen-X-Forwarded-For"), body);
        }

        @Override
        public String toString() {
            StringBuilder out = new StringBuilder().append(status).append(' ')
                    .append(server == null ? "no server" : server + " (" + POOL_OF.get(server) + ")");
            if (location != null) {
                out.append(" Location: ").append(location);
            }
            if (setCookie != null) {
                out.append(" Set-Cookie: ").append(setCookie);
            }
            if (server != null) {
                out.append(" server saw X-Route: ").append(seenRoute).append(", Cookie: ").append(seenCookie)
                        .append(", X-Forwarded-For: ").append(seenForwardedFor);
            } else if (!body.isBlank()) {
                out.append(" body: ").append(body.strip().replace('\n', ' '));
            }
            return out.toString();
        }
    }

    private static Outcome send(Ports ports, Send send) throws Exception {
        Probe probe = send.probe();
        return switch (send.transport()) {
            case PLAIN -> http1(connect(ports.plain(), send.source()), "", probe);
            case PROXY -> http1(connect(ports.proxied(), send.source()),
                    "PROXY TCP4 198.18.0.7 198.18.0.1 51000 80\r\n", probe);
            case TLS -> http1(tls(connect(ports.tls(), send.source()), ports.tls(), "http/1.1"), "", probe);
            case H2 -> {
                try (RawHttp2Client h2 = new RawHttp2Client(tls(connect(ports.tls(), send.source()), ports.tls(),
                        "h2"))) {
                    yield exchange(h2, 1, probe);
                }
            }
        };
    }

    /** A connection to 127.0.0.1:{@code port} from {@code source} (any loopback address is this host's). */
    private static Socket connect(int port, InetAddress source) throws IOException {
        Socket socket = new Socket();
        socket.bind(new InetSocketAddress(source, 0));
        socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
        socket.setSoTimeout(5000);
        return socket;
    }

    /** TLS on {@code plain}, SNI {@value #SNI}, offering only {@code alpn}, which the proxy must agree. */
    private static Socket tls(Socket plain, int port, String alpn) throws IOException {
        SSLSocket socket = (SSLSocket) tlsClient.createSocket(plain, SNI, port, true);
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setApplicationProtocols(new String[] {alpn});
        socket.setSSLParameters(parameters);
        socket.startHandshake();
        assertEquals(alpn, socket.getApplicationProtocol(), "ALPN on port " + port);
        return socket;
    }

    /** Sends {@code preamble} and the request on {@code connection} and reads the answer; closes it. */
    private static Outcome http1(Socket connection, String preamble, Probe probe) throws IOException {
        RawResponse response;
        try (Socket socket = connection) {
            OutputStream out = socket.getOutputStream();
            out.write((preamble + probe.render()).getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            response = RawResponse.read(socket.getInputStream(), probe.method().equals("HEAD"));
        }
        return Outcome.of(response.status(), response::header, response.bodyText());
    }

    /**
     * The request as stream {@code stream} of {@code h2} (its body, if any, in one DATA frame) and the answer's
     * head; SETTINGS are acknowledged on the way, and frames of earlier streams skipped.
     */
    private static Outcome exchange(RawHttp2Client h2, int stream, Probe probe) throws Exception {
        h2.headers(stream, !probe.hasBody(), h2.block(probe.http2()));
        if (probe.hasBody()) {
            h2.frame(RawHttp2Client.DATA, RawHttp2Client.END_STREAM, stream,
                    "hello".getBytes(StandardCharsets.US_ASCII));
        }
        RawHttp2Client.Frame frame;
        while ((frame = h2.next()) != null) {
            if (frame.type() == RawHttp2Client.SETTINGS && (frame.flags() & 1) == 0) {
                h2.frame(RawHttp2Client.SETTINGS, 1, 0, new byte[0]);
            } else if (frame.type() == RawHttp2Client.HEADERS) {
                Http2Headers head = h2.decodeIfHeaders(frame);
                if (frame.stream() == stream && head.status() != null && head.status().charAt(0) != '1') {
                    return Outcome.of(Integer.parseInt(head.status().toString()), name -> {
                        CharSequence value = head.get(name.toLowerCase(Locale.ROOT));
                        return value == null ? null : value.toString();
                    }, "");
                }
            } else if (frame.type() == RawHttp2Client.RST_STREAM && frame.stream() == stream) {
                return Outcome.of(-1, name -> null, "RST_STREAM " + Http2Error.valueOf(frame.code()));
            }
        }
        return Outcome.of(-2, name -> null, "connection closed");
    }

    /** What differs between HAProxy's answer and Tandem's, in routing terms; empty when they agree. */
    private static List<String> differences(Probe probe, Outcome haproxy, Outcome tandem) {
        List<String> out = new ArrayList<>();
        if (haproxy.status != tandem.status) {
            out.add("status " + haproxy.status + " vs " + tandem.status);
        }
        String haproxyPool = POOL_OF.get(haproxy.server);
        String tandemPool = POOL_OF.get(tandem.server);
        if (!Objects.equals(haproxyPool, tandemPool)) {
            out.add("backend " + haproxyPool + " vs " + tandemPool);
        } else if ("app_cluster".equals(haproxyPool) && probe.srvid() != null && APP_COOKIES.containsKey(probe.srvid())
                && !Objects.equals(haproxy.server, tandem.server)) {
            out.add("cookie-pinned server " + haproxy.server + " vs " + tandem.server);
        }
        if (!Objects.equals(haproxy.location, tandem.location)) {
            out.add("Location " + haproxy.location + " vs " + tandem.location);
        }
        if ((haproxy.setCookie == null) != (tandem.setCookie == null)) {
            out.add("Set-Cookie " + haproxy.setCookie + " vs " + tandem.setCookie);
        } else if (haproxy.setCookie != null && !SetCookie.parse(haproxy.setCookie).attributes()
                .equals(SetCookie.parse(tandem.setCookie).attributes())) {
            out.add("Set-Cookie attributes " + haproxy.setCookie + " vs " + tandem.setCookie);
        }
        checkCookieNamesServer("haproxy", haproxy, out);
        checkCookieNamesServer("tandem", tandem, out);
        if (haproxy.server != null && tandem.server != null) {
            if (!Objects.equals(haproxy.seenRoute, tandem.seenRoute)) {
                out.add("server saw X-Route " + haproxy.seenRoute + " vs " + tandem.seenRoute);
            }
            if (!Objects.equals(haproxy.seenCookie, tandem.seenCookie)) {
                out.add("server saw Cookie " + haproxy.seenCookie + " vs " + tandem.seenCookie);
            }
            if (!Objects.equals(haproxy.seenForwardedFor, tandem.seenForwardedFor)) {
                out.add("server saw X-Forwarded-For " + haproxy.seenForwardedFor + " vs " + tandem.seenForwardedFor);
            }
        }
        return out;
    }

    /**
     * The reason for a deliberate difference (see the class comment), when {@code send} is of its kind and Tandem
     * did what the reason says; null for anything else, which fails the test.
     */
    private static String deliberate(Send send, Outcome tandem) {
        Probe probe = send.probe();
        if (send.transport() == Transport.H2 && probe.target().startsWith("http://") && probe.host() != null
                && !probe.target().startsWith("http://" + probe.host().toLowerCase(Locale.ROOT) + "/")
                && tandem.body().equals("RST_STREAM " + Http2Error.PROTOCOL_ERROR)) {
            return "HAProxy 2.6 routes on :authority and drops a host header that names another; Tandem resets the"
                    + " stream (PROTOCOL_ERROR), as RFC 9113 section 8.3.1 asks of a request whose two names differ,"
                    + " and as both answer 400 to the same conflict in HTTP/1.1";
        }
        return null;
    }

    /** An inserted cookie must name the server that answered. */
    private static void checkCookieNamesServer(String proxy, Outcome outcome, List<String> out) {
        if (outcome.setCookie == null) {
            return;
        }
        SetCookie cookie = SetCookie.parse(outcome.setCookie);
        if (!cookie.name().equals("SRVID") || !Objects.equals(APP_COOKIES.get(cookie.value()), outcome.server)) {
            out.add(proxy + " set " + outcome.setCookie + " but " + outcome.server + " answered");
        }
    }

    /**
     * {@code balance uri} hashes the path (the URI left of '?'): within one proxy the same path must always land
     * on the same static server.
     */
    private static void checkUriConsistency(String proxy, Probe probe, Outcome outcome, Map<String, String> picks,
                                            List<String> disagreements) {
        if (!"static_cluster".equals(POOL_OF.get(outcome.server))) {
            return;
        }
        String path = probe.target().replaceFirst("^http://[^/]*", "");
        int query = path.indexOf('?');
        String key = query < 0 ? path : path.substring(0, query);
        String earlier = picks.putIfAbsent(key, outcome.server);
        if (earlier != null && !earlier.equals(outcome.server)) {
            disagreements.add(proxy + " sent path " + key + " to " + earlier + " and later to " + outcome.server
                    + " (" + probe + ")");
        }
    }

    /** A Set-Cookie value split into name, value and attributes (names lower-cased, flags map to ""). */
    record SetCookie(String name, String value, Map<String, String> attributes) {
        static SetCookie parse(String header) {
            String[] parts = header.split(";");
            String[] pair = parts[0].trim().split("=", 2);
            Map<String, String> attributes = new TreeMap<>();
            for (int i = 1; i < parts.length; i++) {
                String[] attribute = parts[i].trim().split("=", 2);
                attributes.put(attribute[0].toLowerCase(Locale.ROOT), attribute.length > 1 ? attribute[1] : "");
            }
            return new SetCookie(pair[0], pair.length > 1 ? pair[1] : "", attributes);
        }
    }

    /** A quote or a hash in the target (HAProxy needs accept-invalid-http-request to take a quote at all). */
    @Test
    void theAccessLogEscapesTheRequestLineAsHaproxyDoes() throws Exception {
        String request = "GET /a\"b#c%22\\d?q=\"x\" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
        try (HaproxyProcess haproxy = HaproxyProcess.start("""
                global
                    log stdout format raw local0
                defaults
                    mode http
                    log global
                    option httplog
                    option accept-invalid-http-request
                    timeout connect 1s
                    timeout client 5s
                    timeout server 5s
                frontend web
                    bind 127.0.0.1:${PORT}
                    http-request return status 200 content-type text/plain string ok
                """);
             ProxyHarness tandem = ProxyHarness.start("""
                     l7:
                       frontends:
                         web:
                           bind: 127.0.0.1:${PORT}
                           http-request: [ "return status 200 content-type text/plain string ok" ]
                           default-backend: none
                       backends:
                         none: { servers: { unused: 127.0.0.1:9 } }
                     """, Map.of())) {
            exchangeRaw(haproxy.port, request);
            exchangeRaw(tandem.port, request);
            String theirs = haproxy.awaitOutput("\"GET ");
            String ours = tandem.nextLogLine();
            assertEquals(quotedRequest(theirs), quotedRequest(ours), ours + "\n" + theirs);
            assertEquals("\"GET /a#22b#23c%22\\d?q=#22x#22 HTTP/1.1\"", quotedRequest(ours));
        }
    }

    private static void exchangeRaw(int port, String request) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(5000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertTrue(response.startsWith("HTTP/1.1 200"), response);
        }
    }

    /** The last field of an httplog line: the quoted request line. */
    private static String quotedRequest(String line) {
        return line.substring(line.indexOf(" \"") + 1).strip();
    }

    /**
     * {@code compression}: the same responses (see {@link CompressionTest#TARGETS}) to the same requests are
     * compressed, or left alone, by both, with the same Content-Encoding, Vary and ETag.
     */
    @Test
    void compressionDecisionsMatchHaproxy() throws Exception {
        try (ScriptedBackend server = new ScriptedBackend(CompressionTest::answerByTarget);
             HaproxyProcess haproxy = HaproxyProcess.start("""
                     defaults
                         mode http
                         timeout connect 2s
                         timeout client 5s
                         timeout server 5s
                     frontend web
                         bind 127.0.0.1:${PORT}
                         compression algo gzip
                         compression type text/html text/plain application/json
                         default_backend app
                     backend app
                         server s1 %s
                     """.formatted(server.address()));
             ProxyHarness tandem = ProxyHarness.start("""
                     l7:
                       frontends:
                         web:
                           bind: 127.0.0.1:${PORT}
                           compression: { algo: gzip, type: text/html text/plain application/json }
                           default-backend: app
                       backends:
                         app: { servers: { s1: "%s" } }
                     """.formatted(server.address()), Map.of())) {
            List<String> disagreements = new ArrayList<>();
            int compressed = 0;
            String[] accepts = {"gzip", "deflate, gzip;q=0.5", "gzip;q=0", "br", "*", null};
            for (String target : CompressionTest.TARGETS) {
                for (String accept : accepts) {
                    for (String line : new String[] {"GET " + target + " HTTP/1.1", "HEAD " + target + " HTTP/1.1",
                        "GET " + target + " HTTP/1.0"}) {
                        String request = line + "\r\nHost: x\r\nConnection: close\r\n"
                                + (accept == null ? "" : "Accept-Encoding: " + accept + "\r\n") + "\r\n";
                        String theirs = compressionOutcome(haproxy.port, request);
                        String ours = compressionOutcome(tandem.port, request);
                        if (!theirs.equals(ours)) {
                            disagreements.add(request.lines().limit(4).toList() + "\n  haproxy: " + theirs
                                    + "\n  tandem:  " + ours);
                        }
                        compressed += theirs.startsWith("gzip") ? 1 : 0;
                    }
                }
            }
            assertEquals(List.of(), disagreements, String.join("\n", disagreements));
            assertTrue(compressed >= 9, "HAProxy compressed only " + compressed + " answers");
        }
    }

    /** What compression did to one answer: Content-Encoding, Vary, ETag, and whether the body decodes to the original. */
    private static String compressionOutcome(int port, String request) throws IOException {
        RawResponse response;
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(5000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            response = RawResponse.read(socket.getInputStream(), request.startsWith("HEAD"));
        }
        String encoding = response.header("Content-Encoding");
        byte[] body = "gzip".equals(encoding) ? CompressionTest.gunzip(response.body()) : response.body();
        boolean original = response.body().length == 0 || CompressionTest.BODY.equals(new String(body,
                StandardCharsets.UTF_8));
        return encoding + " vary=" + response.header("Vary") + " etag=" + response.header("ETag") + " status="
                + response.status() + (original ? "" : " body differs");
    }
}
