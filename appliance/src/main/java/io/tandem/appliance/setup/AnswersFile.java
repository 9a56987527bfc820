package io.tandem.appliance.setup;

import io.tandem.core.config.Suggestions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

import java.io.IOException;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The answers of an unattended setup ({@code --answers FILE}): {@code key=value} lines or a YAML mapping, under the
 * prompts' keys. Every answer is checked as its prompt would check it; errors are collected, each naming the line
 * and the key, and the caller writes nothing when there is one.
 */
final class AnswersFile implements AnswerSource {
    private static final Pattern KEY_VALUE = Pattern.compile("\\s*([A-Za-z][A-Za-z0-9_-]*)\\s*=(.*)");
    private static final int MAX_BYTES = 64 * 1024;

    /** One answer as written, with the line it is on. */
    private record Entry(String value, int line) {
    }

    private final String name;
    private final Map<String, Entry> entries;
    private final List<String> errors;
    private final Set<String> asked = new HashSet<>();
    private final PrintStream out;
    private ClusterSecret newSecret;

    private AnswersFile(String name, Map<String, Entry> entries, List<String> errors, PrintStream out) {
        this.name = name;
        this.entries = entries;
        this.errors = errors;
        this.out = out;
    }

    /** Reads {@code file}; errors of its form (unreadable, neither format, a key twice) are in {@link #errors}. */
    static AnswersFile read(Path file, PrintStream out) {
        String name = file.toString();
        List<String> errors = new ArrayList<>();
        Map<String, Entry> entries = new LinkedHashMap<>();
        String text;
        try {
            if (Files.size(file) > MAX_BYTES) {
                errors.add(name + ": the answers file is larger than " + MAX_BYTES / 1024 + " KiB");
                return new AnswersFile(name, entries, errors, out);
            }
            text = Files.readString(file);
        } catch (CharacterCodingException e) {
            errors.add(name + ": the answers file is not UTF-8 text");
            return new AnswersFile(name, entries, errors, out);
        } catch (IOException e) {
            errors.add(name + ": cannot read the answers file: " + e);
            return new AnswersFile(name, entries, errors, out);
        }
        if (isKeyValue(text)) {
            readKeyValue(name, text, entries, errors);
        } else {
            readYaml(name, text, entries, errors);
        }
        return new AnswersFile(name, entries, errors, out);
    }

    private static boolean isKeyValue(String text) {
        return text.lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#"))
                .allMatch(l -> KEY_VALUE.matcher(l).matches());
    }

    private static void readKeyValue(String name, String text, Map<String, Entry> entries, List<String> errors) {
        int number = 0;
        for (String line : text.lines().toList()) {
            number++;
            Matcher m = KEY_VALUE.matcher(line);
            if (m.matches()) {
                put(name, m.group(1), new Entry(m.group(2).strip(), number), entries, errors);
            }
        }
    }

    private static void readYaml(String name, String text, Map<String, Entry> entries, List<String> errors) {
        Node root;
        try {
            root = new Yaml(new LoaderOptions()).compose(new StringReader(text));
        } catch (YAMLException e) {
            errors.add(name + ": neither key=value lines nor YAML: " + e.getMessage().lines().findFirst().orElse(""));
            return;
        }
        if (!(root instanceof MappingNode mapping)) {
            errors.add(name + ": the answers file is neither key=value lines nor a YAML mapping of key: value");
            return;
        }
        for (NodeTuple tuple : mapping.getValue()) {
            int line = tuple.getKeyNode().getStartMark().getLine() + 1;
            if (!(tuple.getKeyNode() instanceof ScalarNode key)) {
                errors.add(name + ":" + line + ": a key must be a plain word");
                continue;
            }
            String value = scalarText(tuple.getValueNode());
            if (value == null) {
                errors.add(name + ":" + line + ": " + key.getValue() + ": give a value or a list of values");
                continue;
            }
            put(name, key.getValue(), new Entry(value, line), entries, errors);
        }
    }

    /** A scalar's text, or a list of scalars joined as the prompt would take them; null for anything else. */
    private static String scalarText(Node node) {
        if (node instanceof ScalarNode scalar) {
            return scalar.getValue().strip();
        }
        if (node instanceof SequenceNode sequence) {
            List<String> items = new ArrayList<>();
            for (Node item : sequence.getValue()) {
                if (!(item instanceof ScalarNode scalar)) {
                    return null;
                }
                items.add(scalar.getValue().strip());
            }
            return String.join(", ", items);
        }
        return null;
    }

    private static void put(String name, String key, Entry entry, Map<String, Entry> entries, List<String> errors) {
        Entry first = entries.putIfAbsent(key, entry);
        if (first != null) {
            errors.add(name + ":" + entry.line() + ": " + key + ": given twice (first on line " + first.line() + ")");
        }
    }

    @Override
    public <T> T ask(String key, String prompt, String fallback, AnswerParser<T> parser) {
        asked.add(key);
        Entry entry = entries.get(key);
        String text = entry == null || entry.value().isEmpty() ? fallback : entry.value();
        if (text == null) {
            errors.add(name + ": " + key + ": missing, and it has no default (the prompt is '" + prompt + "')");
            return null;
        }
        try {
            return parser.parse(text);
        } catch (BadAnswer bad) {
            errors.add(where(key) + key + ": " + bad.getMessage());
            return null;
        }
    }

    @Override
    public <T> T given(String key, AnswerParser<T> parser) {
        Entry entry = entries.get(key);
        if (entry == null || entry.value().isEmpty()) {
            return null;
        }
        return ask(key, key, null, parser);
    }

    @Override
    public void show(String line) {
        out.println(line);
    }

    @Override
    public void showNewSecret(ClusterSecret secret) {
        newSecret = secret;
    }

    /** The secret generated for these answers, to show once it is written; null when none was. */
    ClusterSecret newSecret() {
        return newSecret;
    }

    /**
     * The file's errors once the interview has run: its form, every bad answer, unknown keys, and (when the answers
     * are otherwise valid, so the role and address are known) keys that these answers do not use.
     */
    List<String> errors() {
        List<String> all = new ArrayList<>(errors);
        for (Map.Entry<String, Entry> e : entries.entrySet()) {
            if (!Interview.KEYS.contains(e.getKey())) {
                all.add(name + ":" + e.getValue().line() + ": unknown key '" + e.getKey() + "'"
                        + Suggestions.didYouMean(e.getKey(), Interview.KEYS));
            }
        }
        if (all.isEmpty()) {
            for (Map.Entry<String, Entry> e : entries.entrySet()) {
                if (!asked.contains(e.getKey())) {
                    all.add(name + ":" + e.getValue().line() + ": " + e.getKey() + ": not used with these answers ("
                            + Interview.whenAsked(e.getKey()) + ")");
                }
            }
        }
        return all;
    }

    private String where(String key) {
        Entry entry = entries.get(key);
        return entry == null ? name + ": " : name + ":" + entry.line() + ": ";
    }
}
