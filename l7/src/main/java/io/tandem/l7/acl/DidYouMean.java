package io.tandem.l7.acl;

/** Suggests the closest known name for a misspelt one, as in {@code unknown ACL 'is_apl'; did you mean 'is_api'?}. */
public final class DidYouMean {

    private DidYouMean() {
    }

    /**
     * {@code "; did you mean 'NAME'?"} for the candidate nearest to {@code wrong}, or an empty string when none is
     * close enough to be a plausible typo (edit distance at most a third of the name, and at least 2 allowed).
     */
    public static String hint(String wrong, Iterable<String> candidates) {
        String best = null;
        int bestDistance = Math.max(2, wrong.length() / 3) + 1;
        for (String candidate : candidates) {
            int d = distance(wrong, candidate);
            if (d < bestDistance) {
                best = candidate;
                bestDistance = d;
            }
        }
        return best == null ? "" : "; did you mean '" + best + "'?";
    }

    /** Levenshtein distance, case-insensitive since operators mix cases in ACL names. */
    private static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                boolean same = Character.toLowerCase(a.charAt(i - 1)) == Character.toLowerCase(b.charAt(j - 1));
                current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (same ? 0 : 1));
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
