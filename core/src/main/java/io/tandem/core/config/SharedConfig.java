package io.tandem.core.config;

import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A config text split into the sections the pair shares with {@code share: config} ({@code defaults}, {@code l7},
 * {@code l4}: what serves the traffic, the same on both nodes) and those each node keeps ({@code global},
 * {@code vrrp}, {@code cluster}, {@code admin}). It works on the text line by line, so that what travels keeps its
 * comments and a peer's file keeps its own. A top-level section runs from its key to the next one; the comment
 * lines (at column 1) and blank lines just above a key belong to that key's section.
 */
public final class SharedConfig {
    /** The top-level sections the pair shares; {@code defaults} because {@code l7} and {@code l4} inherit it. */
    public static final List<String> SECTIONS = List.of("defaults", "l7", "l4");
    private static final int HASH_HEX = 12;

    /** Lines {@code [from, to)} (0-based) of top-level section {@code key}. */
    private record Chunk(String key, int from, int to) {
        boolean shared() {
            return SECTIONS.contains(key);
        }
    }

    private final String source;
    private final List<String> lines;
    private final int preambleEnd;
    private final List<Chunk> chunks;
    private final String hash;

    private SharedConfig(String source, List<String> lines, int preambleEnd, List<Chunk> chunks, String hash) {
        this.source = source;
        this.lines = lines;
        this.preambleEnd = preambleEnd;
        this.chunks = chunks;
        this.hash = hash;
    }

    /**
     * Splits {@code text}, named {@code source} in errors. Fails for text that is not YAML, or whose top level is
     * not a block mapping with its keys at column 1 (the layout every Tandem config has).
     */
    public static SharedConfig of(String source, String text) throws ConfigException {
        Node root;
        try {
            root = ConfigLoader.compose(text);
        } catch (YAMLException e) {
            throw new ConfigException(List.of(ConfigLoader.yamlError(source, e)));
        }
        List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
        if (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
            lines.remove(lines.size() - 1);
        }
        if (root == null) {
            return new SharedConfig(source, List.copyOf(lines), lines.size(), List.of(), digest(Map.of()));
        }
        if (!(root instanceof MappingNode top) || top.getFlowStyle() != DumperOptions.FlowStyle.BLOCK) {
            throw new ConfigException(List.of(new ConfigError(new SourcePos(source, root.getStartMark().getLine() + 1,
                    root.getStartMark().getColumn() + 1), "to share the config, its top level must be one section "
                    + "per line (global:, l7:, ...), not a flow mapping")));
        }
        List<Integer> keyLines = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        Map<String, Node> shared = new TreeMap<>();
        for (NodeTuple tuple : top.getValue()) {
            Node key = tuple.getKeyNode();
            if (key.getStartMark().getColumn() != 0 || !(key instanceof ScalarNode scalar)) {
                throw new ConfigException(List.of(new ConfigError(new SourcePos(source,
                        key.getStartMark().getLine() + 1, key.getStartMark().getColumn() + 1), "to share the "
                        + "config, its top-level keys must start at column 1")));
            }
            keyLines.add(key.getStartMark().getLine());
            keys.add(scalar.getValue());
            if (SECTIONS.contains(scalar.getValue())) {
                shared.put(scalar.getValue(), tuple.getValueNode());
            }
        }
        List<Integer> starts = new ArrayList<>();
        for (int i = 0; i < keyLines.size(); i++) {
            int start = keyLines.get(i);
            int floor = i == 0 ? -1 : keyLines.get(i - 1);
            while (start - 1 > floor && aboveKey(lines.get(start - 1))) {
                start--;
            }
            starts.add(start);
        }
        List<Chunk> chunks = new ArrayList<>();
        for (int i = 0; i < starts.size(); i++) {
            chunks.add(new Chunk(keys.get(i), starts.get(i), i + 1 < starts.size() ? starts.get(i + 1) : lines.size()));
        }
        return new SharedConfig(source, List.copyOf(lines), starts.get(0), List.copyOf(chunks), digest(shared));
    }

    /** A blank line or a comment at column 1: the start of the next section rather than the end of this one. */
    private static boolean aboveKey(String line) {
        return line.isBlank() || line.startsWith("#");
    }

    /** The short SHA-256 of the shared sections' YAML nodes (values and tags, not comments or layout). */
    public String hash() {
        return hash;
    }

    /** The name errors in this text carry (a file, or the peer's file as it sent it). */
    public String source() {
        return source;
    }

    /**
     * What travels to the peer: this text with every line outside the shared sections blanked, so that a line
     * number in it is the same line of this node's file, and nothing of the node-local sections (secrets
     * included) leaves the node.
     */
    public String sentText() {
        StringBuilder out = new StringBuilder();
        int last = 0;
        for (Chunk chunk : chunks) {
            if (chunk.shared()) {
                out.append("\n".repeat(chunk.from() - last));
                for (String line : lines.subList(chunk.from(), chunk.to())) {
                    out.append(line).append('\n');
                }
                last = chunk.to();
            }
        }
        return out.toString();
    }

    /**
     * This (a node's own file) with its shared sections replaced by those of {@code received}, a peer's
     * {@link #sentText}: the preamble and the node-local sections stay as they are, where they are; the received
     * sections take the place of the first shared one (or go at the end when this text has none), in the peer's
     * order, runs of blank lines folded to one.
     */
    public Merged merge(SharedConfig received) {
        List<String> out = new ArrayList<>();
        List<Integer> origins = new ArrayList<>();
        for (int i = 0; i < preambleEnd; i++) {
            out.add(lines.get(i));
            origins.add(i + 1);
        }
        boolean placed = false;
        for (Chunk chunk : chunks) {
            if (!chunk.shared()) {
                for (int i = chunk.from(); i < chunk.to(); i++) {
                    out.add(lines.get(i));
                    origins.add(i + 1);
                }
            } else if (!placed) {
                place(received, out, origins);
                placed = true;
            }
        }
        if (!placed) {
            place(received, out, origins);
        }
        return new Merged(String.join("\n", out) + (out.isEmpty() ? "" : "\n"), List.copyOf(origins), source,
                received.source);
    }

    /** The received shared sections, as lines whose origins are negative (-line in the received text). */
    private static void place(SharedConfig received, List<String> out, List<Integer> origins) {
        for (Chunk chunk : received.chunks) {
            if (!chunk.shared()) {
                continue; // a peer sends only shared sections; anything else is not its to give
            }
            for (int i = chunk.from(); i < chunk.to(); i++) {
                String line = received.lines.get(i);
                if (line.isBlank() && !out.isEmpty() && out.get(out.size() - 1).isBlank()) {
                    continue;
                }
                out.add(line);
                origins.add(-(i + 1));
            }
        }
    }

    /**
     * A node's file with a peer's shared sections: its {@code text}, and for each of its lines where it comes from
     * (a positive number: that line of the node's own file {@code localSource}; negative: that line of the text
     * the peer sent, {@code sharedSource}).
     */
    public record Merged(String text, List<Integer> origins, String localSource, String sharedSource) {

        /**
         * {@code errors} of a check of {@link #text} (named {@code localSource}) placed where their lines come
         * from: the peer's sent text (its file's line numbers), or this node's file, then named {@code localLabel}.
         */
        public List<ConfigError> placed(List<ConfigError> errors, String localLabel) {
            List<ConfigError> placed = new ArrayList<>();
            for (ConfigError error : errors) {
                SourcePos pos = error.pos();
                int line = pos.line();
                if (!pos.file().equals(localSource) || line < 1 || line > origins.size()) {
                    placed.add(error);
                    continue;
                }
                int origin = origins.get(line - 1);
                placed.add(new ConfigError(origin < 0 ? new SourcePos(sharedSource, -origin, pos.column())
                        : new SourcePos(localLabel, origin, pos.column()), error.message()));
            }
            return placed;
        }
    }

    private static String digest(Map<String, Node> shared) {
        StringBuilder canonical = new StringBuilder();
        for (String section : SECTIONS) {
            Node node = shared.get(section);
            if (node != null) {
                canonical.append(section).append('=');
                canonical(node, canonical);
                canonical.append('\n');
            }
        }
        try {
            byte[] sha = MessageDigest.getInstance("SHA-256").digest(canonical.toString()
                    .getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha).substring(0, HASH_HEX);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    /** Each value with its resolved tag and length, so that no two different trees write the same text. */
    private static void canonical(Node node, StringBuilder out) {
        if (node instanceof ScalarNode scalar) {
            out.append('s').append(scalar.getTag().getValue()).append(':').append(scalar.getValue().length())
                    .append(':').append(scalar.getValue());
        } else if (node instanceof SequenceNode sequence) {
            out.append('[').append(sequence.getValue().size());
            sequence.getValue().forEach(item -> canonical(item, out));
            out.append(']');
        } else if (node instanceof MappingNode mapping) {
            out.append('{').append(mapping.getValue().size());
            for (NodeTuple tuple : mapping.getValue()) {
                canonical(tuple.getKeyNode(), out);
                canonical(tuple.getValueNode(), out);
            }
            out.append('}');
        }
    }
}
