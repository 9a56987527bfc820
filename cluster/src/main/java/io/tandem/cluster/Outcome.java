package io.tandem.cluster;

import java.util.List;

/**
 * What a node did with something its peer shared: {@code ok} when applied (or already in place), a one-line
 * {@code summary}, and detail {@code lines} (a config's changes, or every error that refused it).
 */
public record Outcome(boolean ok, String summary, List<String> lines) {

    public Outcome {
        lines = List.copyOf(lines);
    }

    public static Outcome applied(String summary, List<String> lines) {
        return new Outcome(true, summary, lines);
    }

    public static Outcome refused(String summary, List<String> lines) {
        return new Outcome(false, summary, lines);
    }
}
