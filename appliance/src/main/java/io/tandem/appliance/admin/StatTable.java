package io.tandem.appliance.admin;

import io.tandem.core.balance.Server;
import io.tandem.core.balance.ServerPool;
import io.tandem.core.metrics.HttpCounters;
import io.tandem.core.metrics.RecentAverage;
import io.tandem.core.metrics.TrafficCounters;
import io.tandem.core.health.CheckResult;
import io.tandem.core.health.HealthCheck;
import io.tandem.core.health.HealthChecks;
import io.tandem.l4.L4Counters;
import io.tandem.l4.ServiceRuntime;
import io.tandem.l7.proxy.BackendRuntime;
import io.tandem.l7.proxy.FrontendRuntime;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code show stat}: one row per L7 frontend, backend and server and per L4 service (as a FRONTEND, its servers
 * and a BACKEND row), in HAProxy 2.6's CSV layout, so scripts written for {@code echo "show stat" | socat ...}
 * keep working. Every column Tandem counts is filled in; those it has no notion of (rates per second, compression,
 * caching, connection rules, header rewrites: docs/runtime-api.md lists them) stay empty, as HAProxy leaves the
 * columns that do not apply to a row. HAProxy's stats-module columns (after its {@code -} column) are not
 * written: they belong to its SSL, HTTP/2 and HTTP/1 modules.
 */
final class StatTable {
    /** HAProxy 2.6's {@code show stat} columns, in order (its {@code stat_fields}, before the modules' columns). */
    static final List<String> COLUMNS = List.of(
            "pxname", "svname", "qcur", "qmax", "scur", "smax", "slim", "stot", "bin", "bout", "dreq", "dresp",
            "ereq", "econ", "eresp", "wretr", "wredis", "status", "weight", "act", "bck", "chkfail", "chkdown",
            "lastchg", "downtime", "qlimit", "pid", "iid", "sid", "throttle", "lbtot", "tracked", "type", "rate",
            "rate_lim", "rate_max", "check_status", "check_code", "check_duration", "hrsp_1xx", "hrsp_2xx",
            "hrsp_3xx", "hrsp_4xx", "hrsp_5xx", "hrsp_other", "hanafail", "req_rate", "req_rate_max", "req_tot",
            "cli_abrt", "srv_abrt", "comp_in", "comp_out", "comp_byp", "comp_rsp", "lastsess", "last_chk",
            "last_agt", "qtime", "ctime", "rtime", "ttime", "agent_status", "agent_code", "agent_duration",
            "check_desc", "agent_desc", "check_rise", "check_fall", "check_health", "agent_rise", "agent_fall",
            "agent_health", "addr", "cookie", "mode", "algo", "conn_rate", "conn_rate_max", "conn_tot",
            "intercepted", "dcon", "dses", "wrew", "connect", "reuse", "cache_lookups", "cache_hits", "srv_icur",
            "src_ilim", "qtime_max", "ctime_max", "rtime_max", "ttime_max", "eint", "idle_conn_cur", "safe_conn_cur",
            "used_conn_cur", "need_conn_est", "uweight", "agg_server_status", "agg_server_check_status",
            "agg_check_status");

    private static final long PID = ProcessHandle.current().pid();
    private static final int TYPE_FRONTEND = 0;
    private static final int TYPE_BACKEND = 1;
    private static final int TYPE_SERVER = 2;

    private final List<Map<String, Object>> rows = new ArrayList<>();
    private final HealthChecks checks;
    private final long now = System.currentTimeMillis();
    private int proxyId;

    private StatTable(HealthChecks checks) {
        this.checks = checks;
    }

    /** The rows of {@code view}'s running snapshots. */
    static List<Map<String, Object>> of(RuntimeView view) {
        StatTable table = new StatTable(view.healthChecks());
        view.l7().frontends().values().stream().sorted(java.util.Comparator.comparing(FrontendRuntime::name))
                .forEach(table::frontend);
        view.l7().backends().values().stream().sorted(java.util.Comparator.comparing(BackendRuntime::name))
                .forEach(table::backend);
        view.l4().services().values().forEach(table::service);
        return table.rows;
    }

    /** The rows as HAProxy prints them: a {@code # } header line, then one line per row, each ending in a comma. */
    static String csv(List<Map<String, Object>> rows) {
        StringBuilder out = new StringBuilder("# ");
        for (String column : COLUMNS) {
            out.append(column).append(',');
        }
        out.append('\n');
        for (Map<String, Object> row : rows) {
            for (String column : COLUMNS) {
                Object value = row.get(column);
                if (value != null) {
                    out.append(value);
                }
                out.append(',');
            }
            out.append('\n');
        }
        return out.append('\n').toString();
    }

    private Map<String, Object> row(String pxname, String svname, int type, String mode) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("pxname", pxname);
        row.put("svname", svname);
        row.put("pid", PID);
        row.put("iid", proxyId);
        row.put("type", type);
        row.put("mode", mode);
        rows.add(row);
        return row;
    }

    private void frontend(FrontendRuntime frontend) {
        proxyId++;
        HttpCounters c = frontend.counters();
        Map<String, Object> row = frontendRow(frontend.name(), c, "http");
        row.put("dreq", c.outcomes(HttpCounters.Outcome.DENIED));
        row.put("ereq", c.outcomes(HttpCounters.Outcome.REQUEST_ERROR));
        http(row, c);
    }

    private void backend(BackendRuntime backend) {
        proxyId++;
        int sid = 0;
        for (Server server : backend.servers()) {
            Map<String, Object> row = server(backend.name(), server, ++sid, "http");
            HttpCounters c = backend.counters(server);
            attempts(row, c);
            row.put("bin", c.bytesIn());
            row.put("bout", c.bytesOut());
            row.put("cookie", server.config().cookie());
            http(row, c);
            exchanges(row, c);
        }
        HttpCounters c = backend.counters();
        Map<String, Object> row = backendRow(backend.name(), backend.pool(), "http", c.requests(), c,
                backend.config().balance().algorithm().configName());
        if (backend.config().cookie() != null) {
            row.put("cookie", backend.config().cookie().name());
        }
        row.put("dreq", c.outcomes(HttpCounters.Outcome.DENIED));
        http(row, c);
        exchanges(row, c);
    }

    private void service(ServiceRuntime service) {
        proxyId++;
        L4Counters total = service.counters();
        frontendRow(service.name(), total, "tcp");
        int sid = 0;
        long connects = 0;
        for (Server server : service.servers()) {
            Map<String, Object> row = server(service.name(), server, ++sid, "tcp");
            L4Counters c = service.counters(server);
            row.put("bin", c.bytesIn());
            row.put("bout", c.bytesOut());
            attempts(row, c);
            // A server's connection counts once it is connected; the failed ones were tried too.
            long tried = c.totalConnections() + c.connectErrors();
            connects += tried;
            row.put("connect", tried);
            row.put("reuse", 0); // L4 never reuses a server connection
        }
        Map<String, Object> row = backendRow(service.name(), service.pool(), "tcp", total.totalConnections(), total,
                service.config().balance().algorithm().configName());
        row.put("smax", total.maxActiveConnections());
        row.put("connect", connects);
        row.put("reuse", 0); // L4 never reuses a server connection
    }

    private Map<String, Object> server(String section, Server server, int sid, String mode) {
        Map<String, Object> row = row(section, server.name(), TYPE_SERVER, mode);
        row.put("qcur", 0);
        row.put("qmax", 0);
        row.put("scur", server.activeConnections());
        row.put("smax", server.maxActiveConnections());
        if (server.config().maxconn() > 0) {
            row.put("slim", server.config().maxconn());
        }
        row.put("stot", server.totalConnections());
        HealthCheck check = checks.check(server);
        row.put("status", ServerStatus.of(server, check != null));
        row.put("weight", server.weight());
        row.put("uweight", server.weight());
        row.put("act", server.backup() ? 0 : 1);
        row.put("bck", server.backup() ? 1 : 0);
        row.put("lastchg", (now - server.lastChangeMillis()) / 1000);
        row.put("sid", sid);
        row.put("lastsess", secondsSince(server.lastSessionMillis()));
        row.put("addr", server.config().address().toString());
        if (check != null) {
            row.put("chkfail", server.checkFailures());
            row.put("chkdown", server.downTransitions());
            row.put("check_rise", check.config().rise());
            row.put("check_fall", check.config().fall());
            row.put("check_health", check.health());
        }
        CheckResult result = check == null ? null : check.lastResult();
        if (result != null) {
            if (!result.passed()) {
                // HAProxy's last_chk says what went wrong; a check that passed leaves it empty.
                row.put("last_chk", result.detail());
            }
            row.put("check_status", ServerStatus.checkCode(result, check));
            row.put("check_duration", result.durationMillis());
            row.put("check_desc", result.detail());
            if (result.detail().startsWith("HTTP ")) {
                row.put("check_code", result.detail().substring(5, Math.min(8, result.detail().length())));
            }
        }
        return row;
    }

    /** A BACKEND row: its pool's state, {@code sessions} (requests for http, connections for tcp) and traffic. */
    private Map<String, Object> backendRow(String name, ServerPool pool, String mode, long sessions, TrafficCounters c,
            String algorithm) {
        Map<String, Object> row = row(name, "BACKEND", TYPE_BACKEND, mode);
        List<Server> servers = pool.servers();
        row.put("qcur", pool.queueLength());
        row.put("scur", servers.stream().mapToInt(Server::activeConnections).sum());
        row.put("status", pool.anyUsable() ? "UP" : "DOWN");
        int weight = servers.stream().filter(s -> !s.backup() && s.isUsable()).mapToInt(Server::weight).sum();
        row.put("weight", weight);
        row.put("uweight", weight);
        row.put("act", servers.stream().filter(s -> !s.backup() && s.isUsable()).count());
        row.put("bck", servers.stream().filter(s -> s.backup() && s.isUsable()).count());
        row.put("sid", 0);
        row.put("stot", sessions);
        row.put("bin", c.bytesIn());
        row.put("bout", c.bytesOut());
        attempts(row, c);
        row.put("lastsess", secondsSince(servers.stream().mapToLong(Server::lastSessionMillis).max().orElse(0)));
        row.put("algo", algorithm);
        return row;
    }

    /** A frontend's row (an L7 frontend or an L4 service's FRONTEND): always open, its connections and bytes. */
    private Map<String, Object> frontendRow(String name, TrafficCounters c, String mode) {
        Map<String, Object> row = row(name, "FRONTEND", TYPE_FRONTEND, mode);
        row.put("scur", c.activeConnections());
        row.put("smax", c.maxActiveConnections());
        row.put("stot", c.totalConnections());
        row.put("bin", c.bytesIn());
        row.put("bout", c.bytesOut());
        row.put("status", "OPEN");
        row.put("sid", 0);
        row.put("conn_tot", c.totalConnections());
        return row;
    }

    /** A backend's or server's connects: failed, made again on the same or another server, balancer picks. */
    private static void attempts(Map<String, Object> row, TrafficCounters c) {
        row.put("econ", c.connectErrors());
        row.put("wretr", c.retries());
        row.put("wredis", c.redispatches());
        row.put("lbtot", c.balanced());
    }

    /**
     * A backend's or server's requests beyond their statuses: response errors, aborts, server connections made and
     * reused, and the recent averages (and maxima) of the phases of the requests a server answered, in ms.
     */
    private static void exchanges(Map<String, Object> row, HttpCounters c) {
        row.put("eresp", c.responseErrors());
        row.put("cli_abrt", c.outcomes(HttpCounters.Outcome.CLIENT_ABORT));
        row.put("srv_abrt", c.outcomes(HttpCounters.Outcome.SERVER_ABORT));
        row.put("connect", c.connects());
        row.put("reuse", c.reuses());
        times(row, "qtime", c.queueTime());
        times(row, "ctime", c.connectTime());
        times(row, "rtime", c.responseTime());
        times(row, "ttime", c.sessionTime());
    }

    private static void times(Map<String, Object> row, String column, RecentAverage time) {
        row.put(column, time.average());
        row.put(column + "_max", time.max());
    }

    /** Seconds since {@code millis}, or -1 for never (0), as HAProxy writes {@code lastsess}. */
    private long secondsSince(long millis) {
        return millis == 0 ? -1 : Math.max(0, (now - millis) / 1000);
    }

    /** Requests and responses by class ({@code hrsp_1xx} ... {@code hrsp_other}). */
    private static void http(Map<String, Object> row, HttpCounters c) {
        row.put("req_tot", c.requests());
        for (int i = 0; i < HttpCounters.CLASSES.length; i++) {
            row.put("hrsp_" + HttpCounters.CLASSES[i], c.responses(i));
        }
    }
}
