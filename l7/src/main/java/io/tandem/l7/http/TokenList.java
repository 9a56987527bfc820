package io.tandem.l7.http;

/** Reads comma-separated header lists ({@code Connection}, {@code Upgrade}; RFC 9110 §5.6.1) without splitting them. */
public final class TokenList {
    private TokenList() {
    }

    /** True when {@code list} has {@code token} as one of its elements, compared case-insensitively. */
    public static boolean contains(String list, String token) {
        int n = list.length();
        int from = 0;
        while (from <= n) {
            int comma = list.indexOf(',', from);
            int to = comma < 0 ? n : comma;
            int start = from;
            while (start < to && isOws(list.charAt(start))) {
                start++;
            }
            int end = to;
            while (end > start && isOws(list.charAt(end - 1))) {
                end--;
            }
            if (end - start == token.length() && list.regionMatches(true, start, token, 0, token.length())) {
                return true;
            }
            from = to + 1;
        }
        return false;
    }

    private static boolean isOws(char c) {
        return c == ' ' || c == '\t';
    }
}
