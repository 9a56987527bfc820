package io.tandem.l7.acl;

import io.tandem.core.config.Suggestions;
import io.tandem.core.config.ConfigError;
import io.tandem.core.config.SourcePos;
import io.tandem.core.stick.StickData;
import io.tandem.core.stick.StickTable;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The stick tables one frontend's or backend's rules may use while they compile: its own table (the default of
 * {@code track-scN} and {@code src_*} fetches) and every table by name ({@code table NAME}). It also checks, once
 * the section is compiled ({@link #check}), that each {@code sc_*} fetch reads data that the tables its counter
 * tracks actually store.
 */
public final class StickScope {
    private final String section;
    private final StickTable own;
    private final Map<String, StickTable> tables;
    private final Set<String> ambiguous;
    private final List<Set<StickTable>> tracked = List.of(new LinkedHashSet<>(), new LinkedHashSet<>(), new LinkedHashSet<>());
    private final List<Need> needs = new ArrayList<>();

    /** A fetch's requirement: the table(s) behind {@code counter} (or {@code table}) must store {@code data}. */
    private record Need(int counter, StickData data, StickTable table, SourcePos pos) {
    }

    /**
     * The scope of {@code section} (e.g. {@code frontend 'web'}), whose own table is {@code own} (null when it has
     * none); {@code tables} are every table by name, {@code ambiguous} the names that two tables share.
     */
    public StickScope(String section, StickTable own, Map<String, StickTable> tables, Set<String> ambiguous) {
        this.section = section;
        this.own = own;
        this.tables = Map.copyOf(tables);
        this.ambiguous = Set.copyOf(ambiguous);
    }

    /** No tables: for predefined ACLs, formats and tests; {@code sc_*} fetches compile unchecked. */
    public static StickScope none() {
        return new StickScope("this section", null, Map.of(), Set.of());
    }

    /** The section's own table, or null. */
    public StickTable own() {
        return own;
    }

    /**
     * The table {@code word} names, or with {@code word} null the section's own table; reports why there is none
     * (at {@code where}, for {@code what}, e.g. {@code 'track-sc0'}) and returns null.
     */
    public StickTable table(Word word, SourcePos where, String what, List<ConfigError> errors) {
        if (word == null) {
            if (own == null) {
                errors.add(new ConfigError(where, what + " needs a stick-table: " + section
                        + " has none (add a stick-table or name one with 'table NAME')"));
            }
            return own;
        }
        String name = word.text();
        if (ambiguous.contains(name)) {
            errors.add(new ConfigError(word.pos(), "'" + name + "' names both a frontend's and a backend's stick-table"));
            return null;
        }
        StickTable table = tables.get(name);
        if (table == null) {
            errors.add(new ConfigError(word.pos(), "no stick-table named '" + name + "'"
                    + Suggestions.didYouMean(name, tables.keySet())));
        }
        return table;
    }

    /** Records that a {@code track-scN} rule of the section tracks {@code counter} in {@code table}. */
    public void tracks(int counter, StickTable table) {
        tracked.get(counter).add(table);
    }

    /**
     * Records that an {@code sc_*} fetch at {@code pos} reads {@code data} through {@code counter}, or directly in
     * {@code table} when the fetch names one.
     */
    void needs(int counter, StickData data, StickTable table, SourcePos pos) {
        needs.add(new Need(counter, data, table, pos));
    }

    /** Reports every {@code sc_*} fetch whose data a table its counter tracks does not store. */
    public void check(List<ConfigError> errors) {
        for (Need need : needs) {
            Set<StickTable> behind = need.table() != null ? Set.of(need.table()) : tracked.get(need.counter());
            for (StickTable table : behind) {
                if (!table.stores(need.data())) {
                    errors.add(new ConfigError(need.pos(), notStored(table, need.data())));
                }
            }
        }
        needs.clear();
    }

    /** The message for a fetch of {@code data} from a table that does not store it. */
    static String notStored(StickTable table, StickData data) {
        return "stick-table of " + table.name() + " does not store " + data.keyword();
    }
}
