package io.tandem.l7.proxy;

/** Reads and removes one cookie in a {@code Cookie} request header ({@code a=1; b=2}) without a full parse. */
final class Cookies {
    private Cookies() {
    }

    /** The value of cookie {@code name} in {@code header}, or null. */
    static String find(String header, String name) {
        int start = 0;
        int length = header.length();
        while (start < length) {
            int end = header.indexOf(';', start);
            if (end < 0) {
                end = length;
            }
            int nameStart = skipSpaces(header, start, end);
            int equals = header.indexOf('=', nameStart);
            if (equals > 0 && equals < end && equals - nameStart == name.length()
                    && header.regionMatches(nameStart, name, 0, name.length())) {
                return header.substring(equals + 1, end).trim();
            }
            start = end + 1;
        }
        return null;
    }

    /** {@code header} without cookie {@code name}; empty when nothing else is left. */
    static String without(String header, String name) {
        StringBuilder kept = new StringBuilder(header.length());
        for (String pair : header.split(";")) {
            String trimmed = pair.trim();
            if (trimmed.isEmpty() || (trimmed.startsWith(name) && trimmed.length() > name.length()
                    && trimmed.charAt(name.length()) == '=')) {
                continue;
            }
            if (kept.length() > 0) {
                kept.append("; ");
            }
            kept.append(trimmed);
        }
        return kept.toString();
    }

    private static int skipSpaces(String s, int from, int to) {
        int i = from;
        while (i < to && s.charAt(i) == ' ') {
            i++;
        }
        return i;
    }
}
