package io.tandem.l7.acl;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.NetUtil;
import io.tandem.core.stick.StickEntry;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Request facts for tests, immutable but for their stick counters: each {@code with...} returns a fresh copy. Path and query are derived from the
 * request-target the way the proxy derives them (absolute-form keeps only its path).
 */
public final class TestRequest implements RequestFacts {
    private final String method;
    private final String uri;
    private final HttpHeaders headers;
    private final InetAddress source;
    private final boolean ssl;
    private final String sni;
    private final String version;
    /** Each request tracks its own counters, as the first request of its connection. */
    private final StickCounters counters = new StickCounters(true);

    private TestRequest(String method, String uri, HttpHeaders headers, InetAddress source, boolean ssl, String sni,
                        String version) {
        this.method = method;
        this.uri = uri;
        this.headers = headers;
        this.source = source;
        this.ssl = ssl;
        this.sni = sni;
        this.version = version;
    }

    /** A plain HTTP/1.1 request from 192.0.2.1 with no headers. */
    public static TestRequest request(String method, String uri) {
        return new TestRequest(method, uri, new DefaultHttpHeaders(), address("192.0.2.1"), false, null, "HTTP/1.1");
    }

    /** {@code GET uri}. */
    public static TestRequest get(String uri) {
        return request("GET", uri);
    }

    public TestRequest withHeader(String name, String value) {
        HttpHeaders copy = new DefaultHttpHeaders().add(headers);
        copy.add(name, value);
        return new TestRequest(method, uri, copy, source, ssl, sni, version);
    }

    public TestRequest withSource(String address) {
        return new TestRequest(method, uri, headers, address(address), ssl, sni, version);
    }

    public TestRequest withSource(InetAddress address) {
        return new TestRequest(method, uri, headers, address, ssl, sni, version);
    }

    public TestRequest withTls(String serverName) {
        return new TestRequest(method, uri, headers, source, true, serverName, version);
    }

    public TestRequest withVersion(String httpVersion) {
        return new TestRequest(method, uri, headers, source, ssl, sni, httpVersion);
    }

    @Override
    public StickEntry tracked(int counter) {
        return counters.get(counter);
    }

    @Override
    public boolean track(int counter, StickEntry entry) {
        return counters.track(counter, entry);
    }

    @Override
    public String method() {
        return method;
    }

    @Override
    public String uri() {
        return uri;
    }

    @Override
    public String path() {
        String target = uri;
        int scheme = target.indexOf("://");
        if (scheme >= 0 && scheme < target.indexOf('/') + 1) {
            int slash = target.indexOf('/', scheme + 3);
            target = slash < 0 ? "/" : target.substring(slash);
        }
        int q = target.indexOf('?');
        return q < 0 ? target : target.substring(0, q);
    }

    @Override
    public String query() {
        int q = uri.indexOf('?');
        return q < 0 ? null : uri.substring(q + 1);
    }

    /** The live header object: rules that change headers change what this request shows. */
    @Override
    public HttpHeaders headers() {
        return headers;
    }

    @Override
    public InetAddress source() {
        return source;
    }

    @Override
    public boolean sslFc() {
        return ssl;
    }

    @Override
    public String sslSni() {
        return sni;
    }

    /** A TLS request as {@link #withTls} makes it always came over TLS 1.3 with http/1.1 agreed by ALPN. */
    @Override
    public String sslProtocol() {
        return ssl ? "TLSv1.3" : null;
    }

    @Override
    public String sslAlpn() {
        return ssl ? "http/1.1" : null;
    }

    @Override
    public String httpVersion() {
        return version;
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByAddress(NetUtil.createByteArrayFromIpAddressString(literal));
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }
}
