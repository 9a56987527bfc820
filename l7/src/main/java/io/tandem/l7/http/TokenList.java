package io.tandem.l7.http;

/** Reads comma-separated header lists ({@code Connection}, {@code Upgrade}; RFC 9110 §5.6.1) without splitting them. */
public final class TokenList {
    private TokenList() {
    }

    /** One element of a list: {@code list}'s chars {@code [start, end)}, whitespace around it left out. */
    @FunctionalInterface
    public interface Element {
        /** @return true to stop at this element */
        boolean test(String list, int start, int end);
    }

    /** True when {@code list} has {@code token} as one of its elements, compared case-insensitively. */
    public static boolean contains(String list, String token) {
        return anyMatch(list, (l, start, end) ->
                end - start == token.length() && l.regionMatches(true, start, token, 0, token.length()));
    }

    /** Hands each element of {@code list} (empty ones too) to {@code element} until it returns true; returns that. */
    public static boolean anyMatch(String list, Element element) {
        int n = list.length();
        int from = 0;
        while (from <= n) {
            int comma = list.indexOf(',', from);
            int to = comma < 0 ? n : comma;
            int start = from;
            while (start < to && Http1Syntax.isOws(list.charAt(start))) {
                start++;
            }
            int end = to;
            while (end > start && Http1Syntax.isOws(list.charAt(end - 1))) {
                end--;
            }
            if (element.test(list, start, end)) {
                return true;
            }
            from = to + 1;
        }
        return false;
    }
}
