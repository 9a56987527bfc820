package io.tandem.l7.acl;

import io.tandem.core.config.Suggestions;
import io.tandem.core.config.ConfigError;
import io.tandem.core.stick.StickData;
import io.tandem.core.stick.StickEntry;
import io.tandem.core.stick.StickTable;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * HAProxy's stick-counter fetches: {@code sc_DATA(N[,TABLE])} and {@code scN_DATA([TABLE])} read the entry that
 * counter N tracks in this request (0 when it tracks none); {@code src_DATA([TABLE])} looks the client address up
 * in a table without tracking it. DATA is a counter a table can store: {@code http_req_rate}, {@code conn_cnt}...
 */
final class StickFetches {
    private static final Pattern NAME = Pattern.compile("(sc_|sc([0-2])_|src_|table_|sc\\d+_)(.+)");
    /** HAProxy's other stick-table fetch data, refused with "not supported yet". */
    private static final Set<String> NOT_YET = Set.of("gpc0", "gpc1", "gpc0_rate", "gpc1_rate", "get_gpc0", "get_gpc1",
            "inc_gpc0", "inc_gpc1", "clr_gpc0", "clr_gpc1", "gpt0", "get_gpt0", "get_gpc", "inc_gpc", "clr_gpc",
            "gpc_rate", "get_gpt", "conn_cur", "sess_cnt", "sess_rate", "bytes_in_rate", "bytes_out_rate",
            "kbytes_in", "kbytes_out", "http_fail_cnt", "http_fail_rate", "tracked", "trackers", "key", "expire",
            "idle", "server_id", "cnt", "updt");

    private StickFetches() {
    }

    /** Names offered by "did you mean" hints. */
    static List<String> names() {
        List<String> names = new ArrayList<>();
        for (StickData data : StickData.values()) {
            if (data.kind() != StickData.Kind.SERVER) {
                names.add("sc_" + data.keyword());
                names.add("sc0_" + data.keyword());
                names.add("src_" + data.keyword());
            }
        }
        return names;
    }

    /** True when {@code name} is a stick-counter or table fetch name, known or not. */
    static boolean claims(String name) {
        Matcher m = NAME.matcher(name);
        if (!m.matches()) {
            return false;
        }
        return !m.group(1).equals("src_") || counter(m.group(3)) != null || NOT_YET.contains(m.group(3));
    }

    /** Compiles a name {@link #claims} claims; reports a problem and returns null if there is one. */
    static Fetch compile(Word word, String name, String[] args, int open, StickScope scope, List<ConfigError> errors) {
        Matcher m = NAME.matcher(name);
        if (!m.matches()) {
            throw new IllegalArgumentException(name);
        }
        String prefix = m.group(1);
        StickData data = counter(m.group(3));
        if (prefix.equals("table_")) {
            errors.add(new ConfigError(word.pos(), "stick-table fetch '" + name + "' is not supported yet"));
            return null;
        }
        if (!prefix.equals("sc_") && !prefix.equals("src_") && m.group(2) == null) {
            errors.add(new ConfigError(word.pos(), "no stick counter '" + prefix.substring(0, prefix.length() - 1)
                    + "': counters are sc0, sc1 and sc2"));
            return null;
        }
        if (data == null) {
            errors.add(new ConfigError(word.pos(), NOT_YET.contains(m.group(3))
                    ? "stick counter fetch '" + name + "' is not supported yet"
                    : "unknown stick counter fetch '" + name + "'" + Suggestions.didYouMean(name, names())));
            return null;
        }
        int counter;
        int tableArg;
        if (prefix.equals("sc_")) {
            if (args.length == 0 || args.length > 2 || !args[0].matches("[0-2]")) {
                errors.add(new ConfigError(word.at(open < 0 ? name.length() : open + 1),
                        "'" + name + "' needs a stick counter number, 0, 1 or 2, e.g. " + name + "(0)"));
                return null;
            }
            counter = args[0].charAt(0) - '0';
            tableArg = 1;
        } else {
            counter = prefix.equals("src_") ? -1 : m.group(2).charAt(0) - '0';
            tableArg = 0;
            if (args.length > 1) {
                errors.add(new ConfigError(word.at(open), "'" + name + "' takes at most one argument, a table name"));
                return null;
            }
        }
        StickTable table = null;
        if (args.length > tableArg) {
            String tableName = args[tableArg].trim();
            int at = name.length() + 1 + (tableArg == 1 ? args[0].length() + 1 : 0);
            table = scope.table(Word.plain(tableName, word.at(at)), word.pos(), "'" + name + "'", errors);
            if (table == null) {
                return null;
            }
        } else if (counter < 0) {
            table = scope.table(null, word.pos(), "'" + name + "'", errors);
            if (table == null) {
                return null;
            }
        }
        if (counter < 0) {
            if (!table.stores(data)) {
                errors.add(new ConfigError(word.pos(), StickScope.notStored(table, data)));
                return null;
            }
            return sourceCounter(table, data);
        }
        scope.needs(counter, data, table, word.pos());
        return trackedCounter(counter, data, table);
    }

    private static StickData counter(String keyword) {
        StickData data = StickData.named(keyword);
        return data == null || data.kind() == StickData.Kind.SERVER ? null : data;
    }

    /**
     * {@code sc_DATA(N)}: the data of the entry counter N tracks (0 when it tracks none); with a table, of the
     * entry with the same key in that table. No value when the entry's table does not store the data.
     */
    private static Fetch trackedCounter(int counter, StickData data, StickTable table) {
        return new Fetch(SampleType.INTEGER, (request, test) -> {
            StickEntry entry = request.tracked(counter);
            if (entry != null && table != null) {
                entry = table.lookup(entry.key());
            }
            if (entry == null) {
                return test.integer(0);
            }
            return entry.table().stores(data) && test.integer(entry.read(data));
        });
    }

    /** {@code src_DATA}: the data of the client address's entry in {@code table}, 0 when it has none. */
    private static Fetch sourceCounter(StickTable table, StickData data) {
        return new Fetch(SampleType.INTEGER, (request, test) -> {
            InetAddress source = request.source();
            StickEntry entry = source == null ? null : table.lookup(table.type().key(source));
            return test.integer(entry == null ? 0 : entry.read(data));
        });
    }
}
