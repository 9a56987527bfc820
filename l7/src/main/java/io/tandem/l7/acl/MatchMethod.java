package io.tandem.l7.acl;

import io.tandem.core.config.ConfigValues;

import java.util.Locale;

/** HAProxy's pattern match methods, as named after {@code -m} and as the suffix of ACL keywords such as {@code path_beg}. */
enum MatchMethod {
    STR, BEG, END, SUB, REG, DIR, DOM, FOUND, LEN, INT, IP, BOOL;

    /** The method named {@code name} ({@code beg}, {@code reg}...), or null. */
    static MatchMethod named(String name) {
        return ConfigValues.named(values(), MatchMethod::keyword, name);
    }

    /** The method an ACL keyword suffix selects ({@code _beg} → BEG); only the string methods have one. */
    static MatchMethod suffix(String suffix) {
        MatchMethod m = named(suffix);
        return m == null || m == STR || m == FOUND || m == INT || m == IP || m == BOOL ? null : m;
    }

    String keyword() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The method used when the ACL names none: exact text, integer, address or boolean, by the fetch's type. */
    static MatchMethod defaultFor(SampleType type) {
        return switch (type) {
            case STRING -> STR;
            case INTEGER -> INT;
            case ADDRESS -> IP;
            case BOOLEAN -> BOOL;
        };
    }

    /** Whether samples of {@code type} can be matched this way (HAProxy's implicit casts). */
    boolean accepts(SampleType type) {
        return switch (this) {
            case BOOL -> type == SampleType.BOOLEAN || type == SampleType.INTEGER;
            case IP -> type == SampleType.STRING || type == SampleType.ADDRESS;
            case INT -> type != SampleType.ADDRESS;
            case LEN -> type == SampleType.STRING;
            default -> true;
        };
    }
}
