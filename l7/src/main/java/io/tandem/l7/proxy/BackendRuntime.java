package io.tandem.l7.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.tandem.core.balance.Server;
import io.tandem.core.balance.ServerGroup;
import io.tandem.core.balance.ServerPool;
import io.tandem.core.config.BalanceConfig;
import io.tandem.core.config.BackendConfig;
import io.tandem.core.config.CookieConfig;
import io.tandem.core.config.Timeouts;
import io.tandem.core.metrics.HttpCounters;
import io.tandem.core.stick.StickEntry;
import io.tandem.core.stick.StickTable;
import io.tandem.l7.acl.RequestFacts;
import io.tandem.l7.rules.HttpRules;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A compiled backend as the data path reads it: pool, rules, persistence cookie, stick table and {@code stick-on},
 * timeouts and retries, and the counters of the backend and of each server (from the runtime state).
 */
public final class BackendRuntime extends ServerGroup<HttpCounters> {
    private final BackendConfig config;
    private final HttpRules requestRules;
    private final HttpRules responseRules;
    private final StickTable stickTable;
    private final StickOn stickOn;
    private final Map<String, Server> serversByName;

    /**
     * A backend with its own {@code stickTable} and {@code stickOn} rule, each null when it has none, counting into
     * {@code counters} and, per server of {@code pool}, {@code serverCounters}.
     */
    public BackendRuntime(BackendConfig config, ServerPool pool, HttpRules requestRules,
                          HttpRules responseRules, StickTable stickTable, StickOn stickOn,
                          HttpCounters counters, Map<Server, HttpCounters> serverCounters) {
        super("backend", config.name(), pool, counters, serverCounters);
        this.config = config;
        this.requestRules = requestRules;
        this.responseRules = responseRules;
        this.stickTable = stickTable;
        this.stickOn = stickOn;
        Map<String, Server> byName = new HashMap<>();
        for (Server server : pool.servers()) {
            byName.put(server.name(), server);
        }
        this.serversByName = Map.copyOf(byName);
    }

    public BackendConfig config() {
        return config;
    }

    /** The backend's own stick table, or null. */
    public StickTable stickTable() {
        return stickTable;
    }

    /** The request's {@code stick-on} key, or null when the backend has no stick-on or the request no key. */
    String stickKey(RequestFacts facts) {
        return stickOn == null ? null : stickOn.keyOf(facts);
    }

    /**
     * The server {@code key} sticks to when it accepts persistent clients (a draining one does), or null (never
     * stuck, expired, server gone, down or in maintenance).
     */
    Server stuckServer(String key) {
        StickEntry entry = stickOn.table().lookup(key);
        String name = entry == null ? null : entry.serverId();
        Server server = name == null ? null : serversByName.get(name);
        return server != null && server.acceptsPersistent() ? server : null;
    }

    /** Stores that {@code key} sticks to {@code server} (refreshing the entry's expiry). */
    void stick(String key, Server server) {
        stickOn.table().stick(key, server.name());
    }

    HttpRules requestRules() {
        return requestRules;
    }

    HttpRules responseRules() {
        return responseRules;
    }

    Timeouts timeouts() {
        return config.timeout();
    }

    int retries() {
        return config.retries();
    }

    CookieConfig cookie() {
        return config.cookie();
    }

    /** The request's key for hashing algorithms; null for the others, or when the request lacks the key. */
    String hashKey(RequestFacts facts) {
        BalanceConfig balance = config.balance();
        return switch (balance.algorithm()) {
            case SOURCE, MAGLEV -> facts.source().getHostAddress();
            case URI -> facts.path();
            case HDR -> facts.headers().get(balance.argument());
            default -> null;
        };
    }

    /** The value of the persistence cookie in the request, or null. */
    String persistenceCookie(HttpHeaders headers) {
        CookieConfig cookie = config.cookie();
        if (cookie == null) {
            return null;
        }
        for (String header : headers.getAll(HttpHeaderNames.COOKIE)) {
            String value = Cookies.find(header, cookie.name());
            if (value != null) {
                return value;
            }
        }
        return null;
    }

    /** Removes the persistence cookie before the request reaches the server ({@code indirect} mode). */
    void stripPersistenceCookie(HttpHeaders headers) {
        List<String> all = headers.getAll(HttpHeaderNames.COOKIE);
        headers.remove(HttpHeaderNames.COOKIE);
        for (String header : all) {
            String rest = Cookies.without(header, config.cookie().name());
            if (!rest.isEmpty()) {
                headers.add(HttpHeaderNames.COOKIE, rest);
            }
        }
    }

    /** The Set-Cookie value that pins a client to {@code server}. */
    String setCookieFor(Server server) {
        CookieConfig cookie = config.cookie();
        StringBuilder value = new StringBuilder(cookie.name()).append('=').append(server.config().cookie())
                .append("; path=/");
        if (cookie.httponly()) {
            value.append("; HttpOnly");
        }
        if (cookie.secure()) {
            value.append("; Secure");
        }
        return value.toString();
    }
}
