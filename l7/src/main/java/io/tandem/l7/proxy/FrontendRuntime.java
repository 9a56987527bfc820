package io.tandem.l7.proxy;

import io.tandem.core.config.FrontendConfig;
import io.tandem.core.config.HostPort;
import io.tandem.core.log.RateLimitedLog;
import io.tandem.core.metrics.HttpCounters;
import io.tandem.core.stick.StickTable;
import io.tandem.l7.acl.RequestFacts;
import io.tandem.l7.rules.HttpRules;
import io.tandem.l7.rules.UseBackendRule;
import io.tandem.l7.tls.TlsTerminator;

import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * A compiled frontend: its rules, the ordered {@code use-backend} decisions ending in the default, and its counters
 * (from the runtime state, so they outlive the snapshot).
 */
public final class FrontendRuntime {
    private static final System.Logger LOG = System.getLogger(FrontendRuntime.class.getName());
    private final FrontendConfig config;
    private final HttpRules requestRules;
    private final HttpRules responseRules;
    /** An array, not a List: {@link #route} runs per request, and an array's loop makes no iterator. */
    private final UseBackendRule[] useBackend;
    private final Map<String, BackendRuntime> backends;
    private final BackendRuntime defaultBackend;
    private final StickTable stickTable;
    private final HttpCounters counters;
    private final RateLimitedLog badProxyHeaders = new RateLimitedLog(LOG, System.Logger.Level.WARNING);
    private final RateLimitedLog tlsFailures = new RateLimitedLog(LOG, System.Logger.Level.WARNING);
    private final Map<HostPort, TlsTerminator> tls;
    private final RateLimitedLog http2Errors = new RateLimitedLog(LOG, System.Logger.Level.WARNING);

    /**
     * A frontend with its own {@code stickTable} (null when it has none), whose TLS binds terminate with {@code tls}
     * (by bind address; the other binds are plain text).
     */
    public FrontendRuntime(FrontendConfig config, HttpRules requestRules, HttpRules responseRules,
                           List<UseBackendRule> useBackend, Map<String, BackendRuntime> backends,
                           StickTable stickTable, HttpCounters counters, Map<HostPort, TlsTerminator> tls) {
        this.config = config;
        this.counters = counters;
        this.tls = Map.copyOf(tls);
        this.stickTable = stickTable;
        this.requestRules = requestRules;
        this.responseRules = responseRules;
        this.useBackend = useBackend.toArray(UseBackendRule[]::new);
        this.backends = Map.copyOf(backends);
        this.defaultBackend = config.defaultBackend() == null ? null
                : backends.get(config.defaultBackend().value());
    }

    public String name() {
        return config.name();
    }

    public FrontendConfig config() {
        return config;
    }

    /** The frontend's traffic: its client connections and every request that came in on it. */
    public HttpCounters counters() {
        return counters;
    }

    /** Connections closed for a missing or malformed PROXY header on an accept-proxy bind. */
    RateLimitedLog badProxyHeaders() {
        return badProxyHeaders;
    }

    /** Connections closed because their TLS handshake failed or did not finish in time. */
    RateLimitedLog tlsFailures() {
        return tlsFailures;
    }

    /** The TLS of the bind on {@code address}, or null when it is plain text. */
    public TlsTerminator tls(HostPort address) {
        return tls.get(address);
    }

    /** Every TLS bind's terminator. */
    public Collection<TlsTerminator> tlsTerminators() {
        return tls.values();
    }

    /** HTTP/2 connections ended with an error GOAWAY: a client that broke the protocol or one of its limits. */
    RateLimitedLog http2Errors() {
        return http2Errors;
    }

    /** The frontend's own stick table, or null. */
    public StickTable stickTable() {
        return stickTable;
    }

    HttpRules requestRules() {
        return requestRules;
    }

    HttpRules responseRules() {
        return responseRules;
    }

    /** The first {@code use-backend} whose condition holds, else {@code default-backend}; null when neither. */
    BackendRuntime route(RequestFacts facts) {
        for (UseBackendRule rule : useBackend) {
            if (rule.condition().test(facts)) {
                return backends.get(rule.backend());
            }
        }
        return defaultBackend;
    }
}
