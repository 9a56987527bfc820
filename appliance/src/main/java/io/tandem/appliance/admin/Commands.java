package io.tandem.appliance.admin;

import io.tandem.appliance.JsonWriter;
import io.tandem.appliance.ReloadResult;
import io.tandem.cluster.ClusterStatus;
import io.tandem.cluster.PeerReply;
import io.tandem.cluster.ServerChange;
import io.tandem.core.balance.Server;
import io.tandem.core.config.HostPort;
import io.tandem.core.config.ServerConfig;
import io.tandem.core.config.SourcePos;
import io.tandem.core.config.Suggestions;
import io.tandem.core.config.TandemConfig;
import io.tandem.core.health.CheckResult;
import io.tandem.core.health.HealthCheck;
import io.tandem.core.state.Tier;
import io.tandem.core.stick.StickData;
import io.tandem.core.stick.StickEntry;
import io.tandem.core.stick.StickTable;
import io.tandem.core.stick.StickUpdate;
import io.tandem.l4.ServiceRuntime;
import io.tandem.l7.proxy.BackendRuntime;
import io.tandem.l7.proxy.ClientSession;
import io.tandem.l7.proxy.FrontendRuntime;
import io.tandem.vrrp.runtime.VrrpInstance;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The runtime API's commands: parses one command (its words), runs it against the running daemon and gives its
 * reply, as text for people and scripts written for HAProxy, or as JSON when the last word is {@code json}.
 * Changes go through thread-safe live state (a server's admin state and weight, a stick table) or through
 * {@link RuntimeView#apply} (servers added or removed), never onto an event loop's own data.
 */
final class Commands {
    private static final System.Logger LOG = System.getLogger(Commands.class.getName());
    private static final Pattern SERVER_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final SourcePos RUNTIME_API = new SourcePos("runtime API", 1, 1);

    /** A command's usage line and what it does, as {@code help} lists them. */
    record Usage(String name, String syntax, String description) {
    }

    static final List<Usage> USAGES = List.of(
            new Usage("help", "help", "list the commands"),
            new Usage("show info", "show info", "process information: version, node, uptime, connections"),
            new Usage("show stat", "show stat", "every frontend, backend and server in HAProxy's CSV layout"),
            new Usage("show servers", "show servers", "every server: state, weight, connections, last check"),
            new Usage("show sessions", "show sessions", "the open client connections"),
            new Usage("show table", "show table [NAME [key KEY]]", "the stick tables, or one table's entries"),
            new Usage("clear table", "clear table NAME [key KEY]", "remove one entry, or every entry, of a table"),
            new Usage("show vrrp", "show vrrp", "the VRRP instances: state, priority, addresses"),
            new Usage("show cluster", "show cluster",
                    "the cluster: members, replication, each node's config version"),
            new Usage("enable server", "enable server BACKEND/SERVER", "put a server back in service (ready)"),
            new Usage("disable server", "disable server BACKEND/SERVER", "maintenance: no new traffic at all"),
            new Usage("drain server", "drain server BACKEND/SERVER",
                    "no new traffic from the balancer; sticky clients still reach it"),
            new Usage("set server", "set server BACKEND/SERVER state ready|drain|maint", "HAProxy's form of the three above"),
            new Usage("set weight", "set weight BACKEND/SERVER N|N%", "set a server's weight (0..256, or % of its configured one)"),
            new Usage("add server", "add server BACKEND/SERVER ADDRESS [weight N] [backup]",
                    "add a server without a reload"),
            new Usage("del server", "del server BACKEND/SERVER",
                    "remove a disabled or drained server that has no connection left"),
            new Usage("reload", "reload", "re-read the config file and apply it without dropping a connection"),
            new Usage("prompt", "prompt", "interactive mode: one command per line until 'quit'"),
            new Usage("quit", "quit", "close the connection"));

    private final RuntimeView view;
    /** False for a peer's change run here ({@link PeerChanges}): it is not sent back. */
    private final boolean sharing;

    Commands(RuntimeView view) {
        this(view, true);
    }

    Commands(RuntimeView view, boolean sharing) {
        this.view = view;
        this.sharing = sharing;
    }

    /** A command's reply: its text form and its JSON form (built from maps and lists, see {@link Json}). */
    record Reply(String text, Object json) {
    }

    /**
     * Runs {@code words} (a trailing {@code json} asks for the JSON form) as {@code who} (for the log) and returns
     * the reply ready to send, errors included: {@code error [KIND]: message} or {@code {"error": ...}}.
     */
    String run(List<String> words, String who) {
        boolean json = !words.isEmpty() && words.get(words.size() - 1).equals("json");
        List<String> command = json ? words.subList(0, words.size() - 1) : words;
        try {
            Reply reply = execute(command, who);
            return json ? JsonWriter.write(reply.json()) + "\n" : reply.text();
        } catch (CommandException e) {
            if (json) {
                Map<String, Object> error = new LinkedHashMap<>();
                error.put("kind", e.kind().word);
                error.put("message", e.getMessage());
                if (e.suggestion() != null) {
                    error.put("suggestion", e.suggestion());
                }
                return JsonWriter.write(Map.of("error", error)) + "\n";
            }
            return "error [" + e.kind().word + "]: " + e.getMessage() + "\n";
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "runtime API: '" + String.join(" ", words) + "' failed: " + e, e);
            String message = "internal error: " + e;
            return json ? JsonWriter.write(Map.of("error", Map.of("kind", "internal", "message", message))) + "\n"
                    : "error [internal]: " + message + "\n";
        }
    }

    Reply execute(List<String> words, String who) throws CommandException {
        String first = words.isEmpty() ? "" : words.get(0);
        String two = words.size() >= 2 ? first + " " + words.get(1) : first;
        return switch (two) {
            case "show info" -> exact(words, 2, this::showInfo);
            case "show stat" -> exact(words, 2, this::showStat);
            case "show servers" -> exact(words, 2, this::showServers);
            case "show sessions" -> exact(words, 2, this::showSessions);
            case "show table" -> showTable(words);
            case "clear table" -> clearTable(words, who);
            case "show vrrp" -> exact(words, 2, this::showVrrp);
            case "show cluster" -> exact(words, 2, this::showCluster);
            case "enable server" -> setState(words, Server.AdminState.READY, who);
            case "disable server" -> setState(words, Server.AdminState.MAINT, who);
            case "drain server" -> setState(words, Server.AdminState.DRAIN, who);
            case "set server" -> setServer(words, who);
            case "set weight" -> setWeight(words, who);
            case "add server" -> addServer(words, who);
            case "del server" -> delServer(words, who);
            default -> {
                if (first.equals("help") && words.size() == 1) {
                    yield help();
                }
                if (first.equals("reload") && words.size() == 1) {
                    yield reload(who);
                }
                throw unknown(words);
            }
        };
    }

    private interface Body {
        Reply get() throws CommandException;
    }

    private static Reply exact(List<String> words, int count, Body body) throws CommandException {
        if (words.size() != count) {
            throw usage(String.join(" ", words.subList(0, count)));
        }
        return body.get();
    }

    private static CommandException usage(String name) {
        String syntax = USAGES.stream().filter(u -> u.name().equals(name)).map(Usage::syntax).findFirst()
                .orElse(name);
        return new CommandException(CommandException.Kind.USAGE, "usage: " + syntax + " [json]");
    }

    private static CommandException unknown(List<String> words) {
        String typed = String.join(" ", words.subList(0, Math.min(2, words.size())));
        List<String> names = USAGES.stream().map(Usage::name).toList();
        String closest = Suggestions.closest(typed, names);
        return new CommandException(CommandException.Kind.USAGE, "unknown command '" + String.join(" ", words) + "'"
                + (closest == null ? "." : "; did you mean '" + closest + "'?") + " Commands: "
                + String.join(", ", names), closest);
    }

    private static Reply help() {
        TextTable table = new TextTable("COMMAND", "DOES");
        List<Map<String, Object>> json = new ArrayList<>();
        for (Usage usage : USAGES) {
            table.row(usage.syntax(), usage.description());
            json.add(map("command", usage.syntax(), "description", usage.description()));
        }
        return new Reply(table.render() + "Add 'json' to any command for its JSON form; separate commands with ';'.\n\n",
                json);
    }

    // ---- show info, stat, servers, sessions ----

    private Reply showInfo() {
        TandemConfig config = view.config();
        long uptime = (System.currentTimeMillis() - view.startedAtMillis()) / 1000;
        long current = 0;
        long sessions = 0;
        long requests = 0;
        for (FrontendRuntime frontend : view.l7().frontends().values()) {
            current += frontend.counters().activeConnections();
            sessions += frontend.counters().totalConnections();
            requests += frontend.counters().requests();
        }
        for (ServiceRuntime service : view.l4().services().values()) {
            current += service.counters().activeConnections();
            sessions += service.counters().totalConnections();
        }
        int servers = view.l7().backends().values().stream().mapToInt(b -> b.servers().size()).sum()
                + view.l4().services().values().stream().mapToInt(s -> s.servers().size()).sum();
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("Name", "Tandem");
        info.put("Version", view.version());
        info.put("Node", config.global().name());
        info.put("Pid", ProcessHandle.current().pid());
        info.put("Uptime", String.format(Locale.ROOT, "%dd %dh%02dm%02ds", uptime / 86400, uptime / 3600 % 24,
                uptime / 60 % 60, uptime % 60));
        info.put("Uptime_sec", uptime);
        info.put("Config", config.source());
        info.put("Maxconn", config.global().maxconn());
        info.put("CurrConns", current);
        info.put("CumConns", sessions);
        info.put("CumReq", requests);
        info.put("Frontends", view.l7().frontends().size());
        info.put("Backends", view.l7().backends().size());
        info.put("L4_services", view.l4().services().size());
        info.put("Servers", servers);
        info.put("Vrrp_instances", view.vrrp().size());
        info.put("Config_version", view.configVersion().toString());
        StringBuilder text = new StringBuilder();
        info.forEach((key, value) -> text.append(key).append(": ").append(value).append('\n'));
        return new Reply(text.append('\n').toString(), info);
    }

    private Reply showStat() {
        List<Map<String, Object>> rows = StatTable.of(view);
        return new Reply(StatTable.csv(rows), rows);
    }

    private Reply showServers() {
        TextTable table = new TextTable("BACKEND", "SERVER", "ADDRESS", "STATUS", "WEIGHT", "ACTIVE", "TOTAL",
                "LAST CHECK");
        List<Map<String, Object>> json = new ArrayList<>();
        for (BackendRuntime backend : view.l7().backends().values()) {
            for (Server server : backend.servers()) {
                json.add(serverRow(table, Tier.L7, backend.name(), server));
            }
        }
        for (ServiceRuntime service : view.l4().services().values()) {
            for (Server server : service.servers()) {
                json.add(serverRow(table, Tier.L4, service.name(), server));
            }
        }
        return new Reply(table.render() + "\n", json);
    }

    private Map<String, Object> serverRow(TextTable table, Tier tier, String section, Server server) {
        HealthCheck check = view.healthChecks().check(server);
        CheckResult result = check == null ? null : check.lastResult();
        String status = ServerStatus.of(server, check != null);
        String lastCheck = check == null ? "-" : result == null ? "pending" : (result.passed() ? "passed: " : "failed: ")
                + result.detail();
        String weight = server.weight() == server.config().weight() ? String.valueOf(server.weight())
                : server.weight() + " (configured " + server.config().weight() + ")";
        table.row((tier == Tier.L4 ? "l4:" : "") + section, server.name() + (server.backup() ? " (backup)" : ""),
                server.config().address(), status, weight, server.activeConnections(), server.totalConnections(),
                lastCheck);
        Map<String, Object> row = map("tier", tier.name().toLowerCase(Locale.ROOT), "backend", section,
                "server", server.name(), "address", server.config().address().toString(), "status", status,
                "up", server.isUp(), "admin", server.adminState().name().toLowerCase(Locale.ROOT),
                "weight", server.weight(), "configured_weight", server.config().weight(), "backup", server.backup(),
                "active", server.activeConnections(), "total", server.totalConnections());
        if (result != null) {
            row.put("check", map("passed", result.passed(), "detail", result.detail(),
                    "duration_ms", result.durationMillis(), "at", result.finishedAt().toString()));
        }
        return row;
    }

    private Reply showSessions() {
        long now = System.currentTimeMillis();
        TextTable table = new TextTable("FRONTEND", "CLIENT", "AGE", "REQUESTS", "BACKEND", "SERVER");
        List<Map<String, Object>> l7 = new ArrayList<>();
        for (ClientSession session : view.sessions()) {
            String client = HostPort.text(session.client());
            long age = (now - session.acceptedAtMillis()) / 1000;
            table.row(session.frontend(), client, age + "s", session.requests(), session.backend(), session.server());
            l7.add(map("frontend", session.frontend(), "client", client, "age_s", age,
                    "requests", session.requests(), "backend", session.backend(), "server", session.server()));
        }
        StringBuilder text = new StringBuilder(table.render());
        List<Map<String, Object>> l4 = new ArrayList<>();
        for (ServiceRuntime service : view.l4().services().values()) {
            long open = service.counters().activeConnections();
            text.append("l4 service ").append(service.name()).append(": ").append(open).append(" open ")
                    .append(service.config().protocol() == io.tandem.core.config.ServiceConfig.Protocol.UDP
                            ? "flow(s)" : "connection(s)").append('\n');
            l4.add(map("service", service.name(), "open", open));
        }
        return new Reply(text.append('\n').toString(), map("l7", l7, "l4", l4));
    }

    // ---- stick tables ----

    private Reply showTable(List<String> words) throws CommandException {
        if (words.size() == 2) {
            StringBuilder text = new StringBuilder();
            List<Map<String, Object>> json = new ArrayList<>();
            for (Map.Entry<String, StickTable> entry : view.l7().stickTables().entrySet()) {
                StickTable table = entry.getValue();
                text.append("# table: ").append(entry.getKey()).append(", type: ").append(table.type().keyword())
                        .append(", size:").append(table.capacity()).append(", used:").append(table.size())
                        .append('\n');
                json.add(map("table", entry.getKey(), "type", table.type().keyword(), "size", table.capacity(),
                        "used", table.size()));
            }
            if (json.isEmpty()) {
                text.append("no stick tables configured\n");
            }
            return new Reply(text.append('\n').toString(), json);
        }
        String name = words.get(2);
        StickTable table = table(name);
        String key = tableKey(words, 3, "show table");
        List<StickUpdate> entries = new ArrayList<>();
        for (StickUpdate update : table.snapshotAll()) {
            if (key == null || key.equals(update.key())) {
                entries.add(update);
            }
        }
        StringBuilder text = new StringBuilder("# table: " + name + ", type: " + table.type().keyword() + ", size:"
                + table.capacity() + ", used:" + table.size() + "\n");
        List<Map<String, Object>> json = new ArrayList<>();
        for (StickUpdate update : entries) {
            StickEntry entry = table.lookup(update.key());
            text.append("key=").append(update.key());
            Map<String, Object> row = map("key", update.key());
            if (update.expiresInMillis() != Long.MAX_VALUE) {
                text.append(" exp=").append(update.expiresInMillis());
                row.put("exp_ms", update.expiresInMillis());
            }
            if (update.serverId() != null) {
                text.append(" server_id=").append(update.serverId());
                row.put("server_id", update.serverId());
            }
            for (StickData data : table.schema().stored()) {
                if (data.kind() == StickData.Kind.SERVER) {
                    continue;
                }
                String label = data.kind() == StickData.Kind.RATE
                        ? data.keyword() + "(" + table.schema().period(data).toMillis() + ")" : data.keyword();
                long value = entry == null ? 0 : entry.read(data);
                text.append(' ').append(label).append('=').append(value);
                row.put(label, value);
            }
            text.append('\n');
            json.add(row);
        }
        return new Reply(text.append('\n').toString(), map("table", name, "type", table.type().keyword(),
                "size", table.capacity(), "used", table.size(), "entries", json));
    }

    private Reply clearTable(List<String> words, String who) throws CommandException {
        if (words.size() < 3) {
            throw usage("clear table");
        }
        String name = words.get(2);
        StickTable table = table(name);
        String key = tableKey(words, 3, "clear table");
        if (key == null) {
            int removed = table.size();
            table.clear();
            LOG.log(System.Logger.Level.INFO, "runtime API (" + who + "): cleared stick table " + name + " ("
                    + removed + " entries)");
            return new Reply("table " + name + ": cleared " + removed + " entr" + (removed == 1 ? "y" : "ies")
                    + "\n\n", map("table", name, "removed", removed));
        }
        boolean removed = table.remove(key);
        if (removed) {
            LOG.log(System.Logger.Level.INFO, "runtime API (" + who + "): removed key " + key + " from stick table "
                    + name);
        }
        return new Reply("table " + name + ": " + (removed ? "removed key " + key : "no entry for key " + key)
                + "\n\n", map("table", name, "removed", removed ? 1 : 0));
    }

    /** A table by its full name ({@code frontend/web}) or by its section's name when that is unique. */
    private StickTable table(String name) throws CommandException {
        Map<String, StickTable> tables = view.l7().stickTables();
        StickTable table = tables.get(name);
        if (table != null) {
            return table;
        }
        List<String> matches = tables.keySet().stream().filter(k -> k.substring(k.indexOf('/') + 1).equals(name))
                .toList();
        if (matches.size() == 1) {
            return tables.get(matches.get(0));
        }
        if (matches.size() > 1) {
            throw new CommandException(CommandException.Kind.USAGE, "'" + name + "' names " + String.join(" and ",
                    matches) + ": write one of them");
        }
        List<String> names = new ArrayList<>(tables.keySet());
        // Close to a full name (frontend/web) or to a section's (web): suggest the full one.
        String closest = Suggestions.closest(name, names);
        if (closest == null) {
            String section = Suggestions.closest(name, names.stream().map(k -> k.substring(k.indexOf('/') + 1))
                    .toList());
            closest = section == null ? null : names.stream().filter(k -> k.endsWith("/" + section)).findFirst()
                    .orElse(null);
        }
        throw new CommandException(CommandException.Kind.NOT_FOUND, "no stick table '" + name + "'"
                + (closest != null ? "; did you mean '" + closest + "'?"
                : names.isEmpty() ? " (none is configured)" : "; tables: " + String.join(", ", names)), closest);
    }

    /** {@code key KEY} (or a bare KEY) at {@code at}, normalised for the table, or null when absent. */
    private String tableKey(List<String> words, int at, String command) throws CommandException {
        if (words.size() == at) {
            return null;
        }
        List<String> rest = words.subList(at, words.size());
        if (rest.size() == 2 && rest.get(0).equals("key")) {
            rest = rest.subList(1, 2);
        }
        if (rest.size() != 1) {
            throw usage(command);
        }
        StickTable table = table(words.get(2));
        String key = table.type().key(rest.get(0));
        if (key == null) {
            throw new CommandException(CommandException.Kind.USAGE, "'" + rest.get(0) + "' is not a valid "
                    + table.type().keyword() + " key");
        }
        return key;
    }

    // ---- VRRP, cluster ----

    private Reply showVrrp() {
        List<VrrpInstance> instances = view.vrrp();
        if (instances.isEmpty()) {
            return new Reply("vrrp: no instances configured\n\n", List.of());
        }
        TextTable table = new TextTable("INSTANCE", "INTERFACE", "VRID", "STATE", "PRIORITY", "ADDRESSES",
                "SENT", "RECEIVED", "DROPPED");
        List<Map<String, Object>> json = new ArrayList<>();
        for (VrrpInstance instance : instances) {
            var config = instance.config();
            long dropped = instance.drops().values().stream().mapToLong(Long::longValue).sum();
            List<String> addresses = config.virtualAddresses().stream().map(Object::toString).toList();
            String priority = instance.priority() == config.priority() ? String.valueOf(config.priority())
                    : instance.priority() + " (configured " + config.priority() + ")";
            table.row(instance.name(), config.interfaceName(), config.vrid(), instance.state(), priority,
                    String.join(" ", addresses), instance.advertsSent(), instance.advertsReceived(), dropped);
            Map<String, Object> drops = new LinkedHashMap<>();
            instance.drops().forEach((reason, count) -> drops.put(reason.name().toLowerCase(Locale.ROOT), count));
            json.add(map("instance", instance.name(), "interface", config.interfaceName(), "vrid", config.vrid(),
                    "state", instance.state().name(), "priority", instance.priority(),
                    "configured_priority", config.priority(), "addresses", addresses,
                    "adverts_sent", instance.advertsSent(), "adverts_received", instance.advertsReceived(),
                    "dropped", drops));
        }
        return new Reply(table.render() + "\n", json);
    }

    private Reply showCluster() {
        ClusterStatus status = view.clusterStatus();
        if (status == null) {
            return new Reply("cluster: not configured\n\n", map("configured", false));
        }
        StringBuilder text = new StringBuilder("cluster " + status.cluster() + ": node " + status.node()
                + (status.ready() ? ", ready" : ", not ready (waiting for the tables)") + "\nmembers: "
                + String.join(" ", status.members()) + "\n");
        TextTable peers = new TextTable("PEER", "IN VIEW", "LAG MS", "CONFIG");
        List<Map<String, Object>> peerJson = new ArrayList<>();
        for (ClusterStatus.Peer peer : status.peers()) {
            peers.row(peer.name(), peer.inView() ? "yes" : "no", peer.lagMillis() == null ? "-" : peer.lagMillis(),
                    peer.config() == null ? "-" : peer.config());
            peerJson.add(map("name", peer.name(), "in_view", peer.inView(), "lag_ms", peer.lagMillis(),
                    "config", peer.config() == null ? null : peer.config().toString()));
        }
        ClusterStatus.Sharing sharing = status.sharing();
        ClusterStatus.StateTransfer last = status.lastStateTransfer();
        text.append(configLine(status)).append('\n');
        text.append(peers.render()).append("queue ").append(status.queueDepth()).append(", dropped ")
                .append(status.dropped()).append(", coalesced ").append(status.coalesced()).append(", sent ")
                .append(status.sent()).append(", received ").append(status.received()).append(", refused joins ")
                .append(status.refusedJoins()).append("\nadmin states: ").append(shared(sharing.serverStates()))
                .append(", sent ").append(sharing.statesSent()).append(", applied ").append(sharing.statesApplied())
                .append(", not applied ").append(sharing.statesNotApplied()).append("\nconfig: ")
                .append(shared(sharing.config())).append(", sent ").append(sharing.configsSent())
                .append(", accepted ").append(sharing.configsAccepted()).append(", refused ")
                .append(sharing.configsRefused()).append("\nlast state transfer: ")
                .append(last == null ? "none" : last.changes() + " change(s) from " + last.from() + " at " + last.at()
                        + " in " + last.millis() + " ms")
                .append("\n\n");
        return new Reply(text.toString(), map("configured", true, "cluster", status.cluster(), "node", status.node(),
                "ready", status.ready(), "members", status.members(), "peers", peerJson,
                "queue_depth", status.queueDepth(), "dropped", status.dropped(), "coalesced", status.coalesced(),
                "sent", status.sent(), "received", status.received(), "refused_joins", status.refusedJoins(),
                "config", status.config().toString(), "config_in_sync", status.configInSync(),
                "server_states", map("shared", sharing.serverStates(), "sent", sharing.statesSent(),
                        "applied", sharing.statesApplied(), "not_applied", sharing.statesNotApplied()),
                "configs", map("shared", sharing.config(), "sent", sharing.configsSent(),
                        "accepted", sharing.configsAccepted(), "refused", sharing.configsRefused()),
                "last_state_transfer", last == null ? null : map("from", last.from(), "at", last.at().toString(),
                        "changes", last.changes(), "ms", last.millis())));
    }

    /** {@code config: lb-a 3f2a9c1e0b7d#8, in sync} or {@code ..., DIFFERS from lb-b 9c1d0e2f3a4b#3}. */
    private static String configLine(ClusterStatus status) {
        List<String> differing = status.peers().stream()
                .filter(p -> p.inView() && p.config() != null && !p.config().hash().equals(status.config().hash()))
                .map(p -> p.name() + " " + p.config()).toList();
        return "config " + status.node() + " " + status.config() + (differing.isEmpty() ? ", in sync"
                : ", DIFFERS from " + String.join(", ", differing));
    }

    private static String shared(boolean on) {
        return on ? "shared" : "not shared";
    }

    // ---- server state ----

    private Reply setState(List<String> words, Server.AdminState state, String who) throws CommandException {
        if (words.size() != 3) {
            throw usage(words.get(0) + " server");
        }
        return changeState(ServerTarget.server(view, words.get(2)), state, who);
    }

    private Reply setServer(List<String> words, String who) throws CommandException {
        if (words.size() != 5 || !words.get(3).equals("state")) {
            throw usage("set server");
        }
        Server.AdminState state = switch (words.get(4)) {
            case "ready" -> Server.AdminState.READY;
            case "drain" -> Server.AdminState.DRAIN;
            case "maint" -> Server.AdminState.MAINT;
            default -> throw new CommandException(CommandException.Kind.USAGE, "state '" + words.get(4)
                    + "': use ready, drain or maint");
        };
        return changeState(ServerTarget.server(view, words.get(2)), state, who);
    }

    private Reply changeState(ServerTarget target, Server.AdminState state, String who) throws CommandException {
        Server server = target.server();
        Server.AdminState before = server.adminState();
        server.setAdminState(state);
        // Waiters move to a server that came back, or learn that none is left.
        target.pool().serverStateChanged(server);
        String now = state.name().toLowerCase(Locale.ROOT);
        String was = before.name().toLowerCase(Locale.ROOT);
        if (before != state) {
            LOG.log(System.Logger.Level.INFO, "server " + target.qualifiedName() + " set to " + state
                    + " by the runtime API (" + who + "), was " + before + "; " + server.activeConnections()
                    + " connection(s) open");
        }
        int open = server.activeConnections();
        String text = "server " + target.qualifiedName() + ": " + now + (before == state ? " (unchanged)" : " (was "
                + was + ")") + (state != Server.AdminState.READY && open > 0 ? "; " + open
                + " connection(s) still open" : "") + "\n";
        return shared(new Reply(text, map("server", target.qualifiedName(), "admin", now, "was", was, "active", open)),
                target.tier(), target.qualifiedName(), ServerChange.Setting.STATE, now);
    }

    /**
     * {@code reply} with the peers' replies to the change ({@code share: server-states}); a peer that did not apply
     * it (a server it lacks, no answer) makes it a {@code peer} error, done here all the same.
     */
    private Reply shared(Reply reply, Tier tier, String server, ServerChange.Setting setting, String value)
            throws CommandException {
        List<PeerReply> peers = sharing ? view.shareServer(new ServerChange(PeerChanges.name(tier, server), setting,
                value)) : null;
        if (peers == null) {
            return new Reply(reply.text() + "\n", reply.json());
        }
        StringBuilder text = new StringBuilder(reply.text());
        List<Map<String, Object>> json = new ArrayList<>();
        boolean refused = false;
        for (PeerReply peer : peers) {
            text.append("peer ").append(peer.peer()).append(": ").append(peer.outcome().summary()).append('\n');
            json.add(map("peer", peer.peer(), "applied", peer.outcome().ok(), "message", peer.outcome().summary()));
            refused |= !peer.outcome().ok();
        }
        if (peers.isEmpty()) {
            text.append("peers: none in the cluster now (a node that joins receives this state)\n");
        }
        if (refused) {
            throw new CommandException(CommandException.Kind.PEER, text.toString().stripTrailing()
                    .replace("\n", "; "));
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> body = new LinkedHashMap<>((Map<String, Object>) reply.json());
        body.put("peers", json);
        return new Reply(text.append('\n').toString(), body);
    }

    private Reply setWeight(List<String> words, String who) throws CommandException {
        if (words.size() != 4) {
            throw usage("set weight");
        }
        ServerTarget target = ServerTarget.server(view, words.get(2));
        Server server = target.server();
        int weight = weight(words.get(3), server.config().weight());
        int before = server.weight();
        server.setWeight(weight);
        target.pool().serverStateChanged(server);
        LOG.log(System.Logger.Level.INFO, "server " + target.qualifiedName() + " weight set to " + weight
                + " by the runtime API (" + who + "), was " + before);
        return shared(new Reply("server " + target.qualifiedName() + ": weight " + weight + " (was " + before + ")\n",
                map("server", target.qualifiedName(), "weight", weight, "was", before)), target.tier(),
                target.qualifiedName(), ServerChange.Setting.WEIGHT, String.valueOf(weight));
    }

    /** {@code N} (0..256) or {@code N%} of {@code configured}, as HAProxy's {@code set weight}. */
    private static int weight(String text, int configured) throws CommandException {
        boolean percent = text.endsWith("%");
        String digits = percent ? text.substring(0, text.length() - 1) : text;
        if (!digits.matches("\\d{1,4}")) {
            throw new CommandException(CommandException.Kind.USAGE, "weight '" + text + "': expected 0.."
                    + Server.MAX_WEIGHT + " or a percentage such as 50%");
        }
        int value = Integer.parseInt(digits);
        int weight = percent ? (int) Math.round(configured * value / 100.0) : value;
        if (weight > Server.MAX_WEIGHT) {
            throw new CommandException(CommandException.Kind.USAGE, "weight " + weight + " is above "
                    + Server.MAX_WEIGHT);
        }
        return weight;
    }

    // ---- add and remove servers ----

    private synchronized Reply addServer(List<String> words, String who) throws CommandException {
        if (words.size() < 4) {
            throw usage("add server");
        }
        String name = words.get(2);
        int slash = name.indexOf('/');
        if (slash <= 0) {
            throw new CommandException(CommandException.Kind.USAGE, "expected BACKEND/SERVER, got '" + name + "'");
        }
        ServerTarget section = ServerTarget.section(view, name.substring(0, slash));
        String serverName = name.substring(slash + 1);
        if (!SERVER_NAME.matcher(serverName).matches()) {
            throw new CommandException(CommandException.Kind.USAGE, "server name '" + serverName
                    + "': use letters, digits, '.', '_' and '-' (at most 64)");
        }
        Server existing = section.pool().servers().stream().filter(s -> s.name().equals(serverName)).findFirst()
                .orElse(null);
        if (existing != null && sharing) {
            throw new CommandException(CommandException.Kind.REFUSED, section.what() + " already has a server '"
                    + serverName + "'");
        }
        HostPort address;
        try {
            address = HostPort.parse(words.get(3));
        } catch (IllegalArgumentException e) {
            throw new CommandException(CommandException.Kind.USAGE, e.getMessage());
        }
        int weight = 1;
        boolean backup = false;
        for (int i = 4; i < words.size(); i++) {
            switch (words.get(i)) {
                case "backup" -> backup = true;
                case "weight" -> {
                    if (i + 1 == words.size()) {
                        throw usage("add server");
                    }
                    weight = weight(words.get(++i), 1);
                }
                default -> throw new CommandException(CommandException.Kind.USAGE, "unknown option '"
                        + words.get(i) + "'; options: weight N, backup");
            }
        }
        ServerConfig server = new ServerConfig(serverName, address, weight, backup, 0, null, RUNTIME_API);
        String qualified = section.section() + "/" + serverName;
        String options = ServerEdits.options(server);
        if (existing != null && ServerEdits.options(existing.config()).equals(options)) {
            // A peer's add of a server this node has already (its file has it too, or the add came again).
            return new Reply("server " + qualified + ": already there (" + options + ")\n\n", map("server",
                    qualified, "address", address.toString(), "weight", weight, "backup", backup));
        }
        TandemConfig base = existing == null ? view.config()
                : ServerEdits.remove(view.config(), section.tier(), section.section(), serverName);
        apply(ServerEdits.add(base, section.tier(), section.section(), server), "add server " + qualified);
        LOG.log(System.Logger.Level.INFO, "server " + qualified + " (" + address + ", weight " + weight
                + (backup ? ", backup" : "") + ") " + (existing == null ? "added" : "replaced (was "
                + ServerEdits.options(existing.config()) + ")") + " by the runtime API (" + who + "); it lasts "
                + "until the next reload unless the config file names it too");
        return shared(new Reply("server " + qualified + ": added (" + address + ", weight " + weight
                + (backup ? ", backup" : "") + ")\n", map("server", qualified, "address", address.toString(),
                "weight", weight, "backup", backup)), section.tier(), qualified, ServerChange.Setting.SERVER, options);
    }

    private synchronized Reply delServer(List<String> words, String who) throws CommandException {
        if (words.size() != 3) {
            throw usage("del server");
        }
        ServerTarget target;
        try {
            target = ServerTarget.server(view, words.get(2));
        } catch (CommandException e) {
            if (sharing || e.kind() != CommandException.Kind.NOT_FOUND) {
                throw e;
            }
            // A peer's del of a server this node does not have: what the peer asked for holds already.
            return new Reply("server " + words.get(2) + ": not there (" + e.getMessage() + ")\n\n",
                    map("server", words.get(2), "removed", false));
        }
        Server server = target.server();
        // A peer removes the server as a reload would (its open connections finish): the node where the operator
        // ran it made the checks, and the pair ends with the same servers either way.
        if (sharing && server.adminState() == Server.AdminState.READY) {
            throw new CommandException(CommandException.Kind.REFUSED, "server " + target.qualifiedName()
                    + " is in service: disable or drain it first (disable server " + target.qualifiedName() + ")");
        }
        if (sharing && server.activeConnections() > 0) {
            throw new CommandException(CommandException.Kind.REFUSED, "server " + target.qualifiedName() + " still has "
                    + server.activeConnections() + " connection(s): wait until it has none (show servers)");
        }
        apply(ServerEdits.remove(view.config(), target.tier(), target.section(), server.name()),
                "del server " + target.qualifiedName());
        LOG.log(System.Logger.Level.INFO, "server " + target.qualifiedName() + " removed by the runtime API (" + who
                + "); it comes back on the next reload if the config file names it");
        return shared(new Reply("server " + target.qualifiedName() + ": removed\n", map("server",
                target.qualifiedName(), "removed", true)), target.tier(), target.qualifiedName(),
                ServerChange.Setting.SERVER, ServerChange.REMOVED);
    }

    private void apply(TandemConfig next, String what) throws CommandException {
        ReloadResult result = view.apply(next);
        if (!result.applied()) {
            throw new CommandException(CommandException.Kind.REFUSED, what + ": " + String.join("; ", result.errors()));
        }
    }

    // ---- reload ----

    /** The file again, as SIGHUP: the outcome, every change or every error, and what waits for a restart. */
    private Reply reload(String who) throws CommandException {
        LOG.log(System.Logger.Level.INFO, "reload asked by the runtime API (" + who + ")");
        ReloadResult result = view.reload();
        StringBuilder lines = new StringBuilder();
        result.errors().forEach(line -> lines.append("  ").append(line).append('\n'));
        result.changes().forEach(line -> lines.append("  ").append(line).append('\n'));
        result.restartNeeded().forEach(line -> lines.append("  ").append(line)
                .append(": needs a restart, the running value is kept\n"));
        if (!result.applied()) {
            throw new CommandException(CommandException.Kind.REFUSED, "reload " + result.summary() + "\n"
                    + lines.toString().stripTrailing());
        }
        result.peerLines().forEach(line -> lines.append("  ").append(line).append('\n'));
        if (result.peerRefused()) {
            throw new CommandException(CommandException.Kind.PEER, "reload " + result.summary() + " here, but a peer"
                    + " did not apply the shared config\n" + lines.toString().stripTrailing());
        }
        List<Map<String, Object>> peers = result.peers().stream().map(p -> map("peer", p.peer(), "applied",
                p.outcome().ok(), "summary", p.outcome().summary(), "lines", p.outcome().lines())).toList();
        return new Reply("reload " + result.summary() + "\n" + lines + "\n", map("applied", true,
                "errors", result.errors(), "changes", result.changes(), "restart_needed", result.restartNeeded(),
                "peers", peers));
    }

    /** An ordered map of alternating keys and values. */
    static Map<String, Object> map(Object... keysAndValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }
}
