package io.tandem.l7.acl;

import java.util.List;

/**
 * Matches text samples against literal patterns with one of the string methods (str, beg, end, sub, dir, dom),
 * optionally ignoring case. Non-text samples are compared by their text form, as HAProxy casts them.
 */
final class TextMatcher implements SampleTest.OnText {
    /** Characters that delimit the words {@code -m dir} looks for (HAProxy: slash and question mark). */
    private static final String DIR_DELIMITERS = "/?";
    /** Characters that delimit the words {@code -m dom} looks for (HAProxy also splits on slash, '?' and ':'). */
    private static final String DOM_DELIMITERS = "/?.:";

    private final MatchMethod method;
    private final boolean ignoreCase;
    private final String[] patterns;
    private final String delimiters;

    TextMatcher(MatchMethod method, boolean ignoreCase, List<Word> words) {
        this.method = method;
        this.ignoreCase = ignoreCase;
        this.delimiters = method == MatchMethod.DIR ? DIR_DELIMITERS : method == MatchMethod.DOM ? DOM_DELIMITERS : "";
        this.patterns = words.stream().map(w -> trimDelimiters(w.text())).toArray(String[]::new);
    }

    /** dir and dom look for whole words, so delimiters around the pattern ({@code /api/}) carry no meaning. */
    private String trimDelimiters(String pattern) {
        int from = 0;
        int to = pattern.length();
        while (from < to && delimiters.indexOf(pattern.charAt(from)) >= 0) {
            from++;
        }
        while (to > from && delimiters.indexOf(pattern.charAt(to - 1)) >= 0) {
            to--;
        }
        return pattern.substring(from, to);
    }

    @Override
    public boolean string(String value) {
        for (String pattern : patterns) {
            if (matches(value, pattern)) {
                return true;
            }
        }
        return false;
    }

    private boolean matches(String value, String pattern) {
        int length = pattern.length();
        return switch (method) {
            case STR -> value.length() == length && value.regionMatches(ignoreCase, 0, pattern, 0, length);
            case BEG -> value.regionMatches(ignoreCase, 0, pattern, 0, length);
            case END -> value.regionMatches(ignoreCase, value.length() - length, pattern, 0, length);
            case SUB -> ignoreCase ? indexOf(value, pattern, 0) >= 0 : value.contains(pattern);
            default -> containsWord(value, pattern);
        };
    }

    /** Where {@code pattern} occurs in {@code value} at or after {@code from}, honouring the case flag; -1 if nowhere. */
    private int indexOf(String value, String pattern, int from) {
        for (int i = from; i <= value.length() - pattern.length(); i++) {
            if (value.regionMatches(ignoreCase, i, pattern, 0, pattern.length())) {
                return i;
            }
        }
        return -1;
    }

    /** True when {@code pattern} occurs in {@code value} with a delimiter (or the end) on each side. */
    private boolean containsWord(String value, String pattern) {
        if (pattern.isEmpty()) {
            return false;
        }
        for (int i = indexOf(value, pattern, 0); i >= 0; i = indexOf(value, pattern, i + 1)) {
            int end = i + pattern.length();
            boolean startsWord = i == 0 || delimiters.indexOf(value.charAt(i - 1)) >= 0;
            boolean endsWord = end == value.length() || delimiters.indexOf(value.charAt(end)) >= 0;
            if (startsWord && endsWord) {
                return true;
            }
        }
        return false;
    }
}
