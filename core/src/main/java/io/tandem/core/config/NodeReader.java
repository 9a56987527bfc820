package io.tandem.core.config;

import org.yaml.snakeyaml.DumperOptions.ScalarStyle;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads SnakeYAML nodes into typed values for one file. Every problem is recorded with its position and the
 * read returns null, so callers fall back to a default and carry on: the user gets all errors in one run.
 */
final class NodeReader {
    private static final Pattern ENV_REFERENCE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");
    private static final Pattern INTEGER = Pattern.compile("-?\\d{1,10}");
    private static final String FILE_PREFIX = "file:";

    private final String source;
    private final Map<String, String> env;
    private final List<ConfigError> errors = new ArrayList<>();

    NodeReader(String source, Map<String, String> env) {
        this.source = source;
        this.env = env;
    }

    List<ConfigError> errors() {
        return errors;
    }

    /**
     * Records an error once: a value reached twice (an alias used in two places checked against one listener,
     * say) would otherwise repeat the same message at the same place.
     */
    void error(SourcePos pos, String message) {
        ConfigError error = new ConfigError(pos, message);
        if (!errors.contains(error)) {
            errors.add(error);
        }
    }

    void error(Node node, String message) {
        error(pos(node), message);
    }

    /** Where a node's text starts; for a quoted scalar, the character after the quote. */
    SourcePos pos(Node node) {
        SourcePos start = pos(node.getStartMark());
        if (node instanceof ScalarNode scalar && (scalar.getScalarStyle() == ScalarStyle.SINGLE_QUOTED
                || scalar.getScalarStyle() == ScalarStyle.DOUBLE_QUOTED)) {
            return start.plusColumns(1);
        }
        return start;
    }

    SourcePos pos(Mark mark) {
        return new SourcePos(source, mark.getLine() + 1, mark.getColumn() + 1);
    }

    /** What the user wrote instead of the expected type, for "expected X, got Y" messages. */
    static String describe(Node node) {
        if (node instanceof MappingNode) {
            return "a mapping";
        }
        if (node instanceof SequenceNode) {
            return "a list";
        }
        Tag tag = node.getTag();
        if (Tag.NULL.equals(tag)) {
            return "nothing";
        }
        if (Tag.BOOL.equals(tag)) {
            return "a boolean";
        }
        if (Tag.INT.equals(tag) || Tag.FLOAT.equals(tag)) {
            return "a number";
        }
        return "a string";
    }

    /** A block with no entries, for a section the file leaves out: every read yields its default. */
    Block emptyBlock(SourcePos pos) {
        return new Block(this, pos, Map.of());
    }

    /**
     * The mapping at {@code node} as a {@link Block}, or null (after an error) when it is something else.
     * Duplicate keys are errors; with {@code validKeys} non-null, so is any other key (with a hint).
     */
    Block block(Node node, String what, String where, List<String> validKeys, SourcePos pos) {
        if (!(node instanceof MappingNode mapping)) {
            error(node, "expected a mapping for " + what + ", got " + describe(node));
            return null;
        }
        Map<String, Block.Entry> entries = new LinkedHashMap<>();
        for (NodeTuple tuple : mapping.getValue()) {
            Node keyNode = tuple.getKeyNode();
            if (!(keyNode instanceof ScalarNode keyScalar)) {
                error(keyNode, "expected a name as key " + where + ", got " + describe(keyNode));
                continue;
            }
            String key = keyScalar.getValue();
            SourcePos keyPos = pos(keyNode);
            Block.Entry first = entries.get(key);
            if (first != null) {
                error(keyPos, "duplicate key '" + key + "' (first at " + first.keyPos().lineColumn() + ")");
                continue;
            }
            if (validKeys != null && !validKeys.contains(key)) {
                error(keyPos, "unknown key '" + key + "' " + where + Suggestions.hint(key, validKeys, "valid keys"));
                continue;
            }
            entries.put(key, new Block.Entry(key, keyPos, tuple.getValueNode()));
        }
        return new Block(this, pos, entries);
    }

    /** The items of a list, or null (after an error) when {@code node} is not a list. */
    List<Node> sequence(Node node, String what) {
        if (!(node instanceof SequenceNode sequence)) {
            error(node, "expected a list for " + what + ", got " + describe(node));
            return null;
        }
        return sequence.getValue();
    }

    /** A scalar's text with {@code ${NAME}} expanded and a whole-value {@code file:/path} replaced by the file. */
    String text(Node node, String what) {
        return text(node, what, "a string");
    }

    /** As {@link #text(Node, String)}; {@code expected} names what belongs there when the node is no scalar. */
    String text(Node node, String what, String expected) {
        String value = textWithoutFiles(node, what, expected);
        if (value == null || !value.startsWith(FILE_PREFIX)) {
            return value;
        }
        String file = value.substring(FILE_PREFIX.length());
        try {
            String content = SourceText.read(Path.of(file));
            if (content.endsWith("\n")) {
                content = content.substring(0, content.length() - (content.endsWith("\r\n") ? 2 : 1));
            }
            return content;
        } catch (IOException | InvalidPathException e) {
            error(node, "cannot read '" + file + "' for " + what + " (" + reason(e) + ")");
        } catch (SourceText.Refused e) {
            error(node, "cannot read '" + file + "' for " + what + ": it is " + e.getMessage());
        }
        return null;
    }

    /** A scalar's text with {@code ${NAME}} expanded, where {@code file:} is part of the value itself. */
    String textWithoutFiles(Node node, String what) {
        return textWithoutFiles(node, what, "a string");
    }

    private String textWithoutFiles(Node node, String what, String expected) {
        if (!(node instanceof ScalarNode scalar)) {
            error(node, "expected " + expected + " for " + what + ", got " + describe(node));
            return null;
        }
        if (Tag.NULL.equals(scalar.getTag()) && scalar.getScalarStyle() == ScalarStyle.PLAIN) {
            error(node, "missing value for " + what);
            return null;
        }
        String value = expandEnvironment(scalar);
        if (value != null && value.isBlank()) {
            error(node, "empty value for " + what);
            return null;
        }
        return value;
    }

    Located<String> located(Node node, String what) {
        return located(node, what, "a string");
    }

    Located<String> located(Node node, String what, String expected) {
        String value = text(node, what, expected);
        return value == null ? null : new Located<>(value, pos(node));
    }

    Integer integer(Node node, String what, int min, int max) {
        String range = "an integer in " + min + ".." + max;
        String value = text(node, what, range);
        if (value == null) {
            return null;
        }
        if (!INTEGER.matcher(value).matches()) {
            error(node, "expected " + range + " for " + what + ", got '" + value + "'");
            return null;
        }
        long number = Long.parseLong(value);
        if (number < min || number > max) {
            error(node, what + " must be " + range + ", got " + value);
            return null;
        }
        return (int) number;
    }

    /** A count with an optional {@code k}, {@code m} or {@code g} suffix ({@link ConfigValues#parseSize}). */
    Long size(Node node, String what, long min, long max) {
        String range = "a size in " + min + ".." + ConfigValues.formatSize(max);
        String value = text(node, what, range + " (e.g. 100k)");
        if (value == null) {
            return null;
        }
        try {
            long size = ConfigValues.parseSize(value);
            if (size >= min && size <= max) {
                return size;
            }
        } catch (IllegalArgumentException e) {
            error(node, e.getMessage());
            return null;
        }
        error(node, what + " must be " + range + ", got " + value);
        return null;
    }

    /** Strictly {@code true} or {@code false}: YAML 1.1's yes/no/on/off are too easy to write by accident. */
    Boolean bool(Node node, String what) {
        String value = text(node, what, "true or false");
        if (value == null) {
            return null;
        }
        if (value.equals("true") || value.equals("false")) {
            return Boolean.valueOf(value);
        }
        error(node, "expected true or false for " + what + ", got '" + value + "'");
        return null;
    }

    /** A duration in {@code 0..}{@link ConfigValues#MAX_DURATION}, more than zero when {@code positive}. */
    Duration duration(Node node, String what, boolean positive) {
        String value = text(node, what, "a duration (e.g. 100ms, 5s, 1m)");
        if (value == null) {
            return null;
        }
        try {
            Duration duration = ConfigValues.parseDuration(value);
            if (positive && duration.isZero()) {
                error(node, what + " must be longer than 0");
                return null;
            }
            return duration;
        } catch (IllegalArgumentException e) {
            error(node, e.getMessage());
            return null;
        }
    }

    /** A short reason for an I/O failure, without a stack trace or exception class names. */
    static String reason(Exception e) {
        if (e instanceof NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    private String expandEnvironment(ScalarNode node) {
        String value = node.getValue();
        if (!value.contains("${")) {
            return value;
        }
        Matcher reference = ENV_REFERENCE.matcher(value);
        StringBuilder expanded = new StringBuilder();
        boolean allSet = true;
        while (reference.find()) {
            String replacement = env.get(reference.group(1));
            if (replacement == null) {
                error(pos(node).plusColumns(reference.start()),
                        "environment variable '" + reference.group(1) + "' is not set");
                allSet = false;
                replacement = "";
            }
            reference.appendReplacement(expanded, Matcher.quoteReplacement(replacement));
        }
        reference.appendTail(expanded);
        return allSet ? expanded.toString() : null;
    }
}
