package io.tandem.core.config;

import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * One YAML mapping being read, by key. Each typed read returns the fallback (or null) when the key is absent
 * or its value is bad, the latter after recording an error at the value. {@code pos} is where the block is named in
 * the file (its key), for errors about the block as a whole; {@code byKey} holds its entries by key.
 */
record Block(NodeReader reader, SourcePos pos, Map<String, Entry> byKey) {

    /** One key of the mapping, where the key stands, and its value. */
    record Entry(String key, SourcePos keyPos, Node value) {
    }

    Collection<Entry> entries() {
        return byKey.values();
    }

    boolean has(String key) {
        return byKey.containsKey(key);
    }

    Node value(String key) {
        Entry entry = byKey.get(key);
        return entry == null ? null : entry.value();
    }

    SourcePos keyPos(String key) {
        return byKey.get(key).keyPos();
    }

    String string(String key) {
        Node value = value(key);
        return value == null ? null : reader.text(value, quote(key));
    }

    Located<String> located(String key) {
        return located(key, "a string");
    }

    /** As {@link #located(String)}; {@code expected} names what belongs there when the value is no scalar. */
    Located<String> located(String key, String expected) {
        Node value = value(key);
        return value == null ? null : reader.located(value, quote(key), expected);
    }

    int integer(String key, int min, int max, int fallback) {
        Node value = value(key);
        Integer number = value == null ? null : reader.integer(value, quote(key), min, max);
        return number == null ? fallback : number;
    }

    boolean bool(String key, boolean fallback) {
        Node value = value(key);
        Boolean flag = value == null ? null : reader.bool(value, quote(key));
        return flag == null ? fallback : flag;
    }

    /** A duration in 0..24d. */
    Duration duration(String key, Duration fallback) {
        return duration(key, fallback, false);
    }

    /** A duration in 0..24d that must be more than 0 (an interval). */
    Duration positiveDuration(String key, Duration fallback) {
        return duration(key, fallback, true);
    }

    private Duration duration(String key, Duration fallback, boolean positive) {
        Node value = value(key);
        Duration duration = value == null ? null : reader.duration(value, quote(key), positive);
        return duration == null ? fallback : duration;
    }

    /** A count with an optional k/m/g suffix in {@code min..max}, or null when absent or bad. */
    Long size(String key, long min, long max) {
        Node value = value(key);
        return value == null ? null : reader.size(value, quote(key), min, max);
    }

    /** A nested block with a fixed set of keys, or null when absent or not a mapping. */
    Block block(String key, List<String> validKeys) {
        Node value = value(key);
        return value == null ? null : reader.block(value, quote(key), "in " + key, validKeys, keyPos(key));
    }

    /** A nested mapping whose keys are names the user chooses (frontends, servers, ACLs), or null. */
    Block names(String key) {
        Node value = value(key);
        return value == null ? null : reader.block(value, quote(key), "in " + key, null, keyPos(key));
    }

    /** A list of strings (rules, conditions) with their positions; an empty list when absent. */
    List<Located<String>> locatedList(String key) {
        Node value = value(key);
        if (value == null) {
            return List.of();
        }
        List<Node> items = reader.sequence(value, quote(key));
        return items == null ? List.of() : locatedItems(items, key);
    }

    /** A string or a list of strings, as a list with positions; an empty list when absent. */
    List<Located<String>> locatedOneOrMore(String key) {
        Node value = value(key);
        if (value == null) {
            return List.of();
        }
        if (value instanceof ScalarNode) {
            Located<String> one = reader.located(value, quote(key));
            return one == null ? List.of() : List.of(one);
        }
        List<Node> items = reader.sequence(value, "'" + key + "' (or a single string)");
        return items == null ? List.of() : locatedItems(items, key);
    }

    private List<Located<String>> locatedItems(List<Node> items, String key) {
        List<Located<String>> result = new ArrayList<>();
        for (Node item : items) {
            if (!(item instanceof ScalarNode)) {
                // The usual cause is an unquoted ': ' inside a rule, which YAML reads as a mapping.
                reader.error(item, "expected a string in " + quote(key) + ", got " + NodeReader.describe(item)
                        + " (quote the text if it contains ': ')");
                continue;
            }
            Located<String> located = reader.located(item, quote(key));
            if (located != null) {
                result.add(located);
            }
        }
        return List.copyOf(result);
    }

    private static String quote(String key) {
        return "'" + key + "'";
    }
}
