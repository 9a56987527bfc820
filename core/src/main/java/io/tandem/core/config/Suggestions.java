package io.tandem.core.config;

import java.util.Collection;

/**
 * "Did you mean" hints for misspelt keys and names (config keys here, ACL names, fetches and actions in l7): the
 * closest candidate within two edits, ignoring case.
 */
public final class Suggestions {
    private static final int MAX_DISTANCE = 2;

    private Suggestions() {
    }

    /**
     * {@code "; did you mean 'x'?"} when a candidate is close to {@code word}, else {@code "; LABEL: a, b, c"}
     * so the user still sees what is allowed; empty when there are no candidates at all.
     */
    public static String hint(String word, Collection<String> candidates, String listLabel) {
        if (candidates.isEmpty()) {
            return "";
        }
        String closest = closest(word, candidates);
        if (closest != null) {
            return "; did you mean '" + closest + "'?";
        }
        return "; " + listLabel + ": " + String.join(", ", candidates);
    }

    /** {@code "; did you mean 'x'?"} when a candidate is within two edits of {@code word}, else empty. */
    public static String didYouMean(String word, Iterable<String> candidates) {
        String closest = closest(word, candidates);
        return closest == null ? "" : "; did you mean '" + closest + "'?";
    }

    /** The candidate nearest to {@code word} within two edits (the first one on a tie), or null. */
    public static String closest(String word, Iterable<String> candidates) {
        String best = null;
        int bestDistance = MAX_DISTANCE + 1;
        for (String candidate : candidates) {
            int distance = distance(word, candidate);
            if (distance < bestDistance) {
                best = candidate;
                bestDistance = distance;
            }
        }
        return best;
    }

    /** Levenshtein distance, case-insensitive: insertions, deletions and substitutions each cost one. */
    static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (Character.toLowerCase(a.charAt(i - 1)) == Character.toLowerCase(b.charAt(j - 1)) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
