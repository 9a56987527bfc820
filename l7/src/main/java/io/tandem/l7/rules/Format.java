package io.tandem.l7.rules;

import io.tandem.core.config.ConfigError;
import io.tandem.l7.acl.RequestFacts;
import io.tandem.l7.acl.Sample;
import io.tandem.l7.acl.StickScope;
import io.tandem.l7.acl.Word;

import java.util.ArrayList;
import java.util.List;

/**
 * An HAProxy log-format string as used by header and redirect rules: literal text with {@code %[fetch]} sample
 * expressions, and {@code %%} for a percent sign. An absent sample contributes nothing.
 */
public final class Format {
    /** Literal {@link String}s and {@link Sample}s, in order. */
    private final Object[] parts;
    /** The whole value when there is no sample, so that constant formats cost nothing per request. */
    private final String constant;

    private Format(List<Object> parts) {
        this.parts = parts.toArray();
        this.constant = parts.stream().allMatch(String.class::isInstance)
                ? String.join("", parts.stream().map(String.class::cast).toList()) : null;
    }

    /** A format that is {@code text} as is, with no sample expressions. */
    public static Format literal(String text) {
        return new Format(text.isEmpty() ? List.of() : List.of(text));
    }

    /** Compiles the format in {@code word}; reports each problem at its column and returns null if there was one. */
    public static Format compile(Word word, List<ConfigError> errors) {
        return compile(word, StickScope.none(), errors);
    }

    /** Compiles the format in {@code word} in a section whose stick tables are {@code stick}. */
    public static Format compile(Word word, StickScope stick, List<ConfigError> errors) {
        String text = word.text();
        List<Object> parts = new ArrayList<>();
        StringBuilder literal = new StringBuilder();
        int before = errors.size();
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c != '%') {
                literal.append(c);
                i++;
            } else if (i + 1 < text.length() && text.charAt(i + 1) == '%') {
                literal.append('%');
                i += 2;
            } else if (i + 1 < text.length() && text.charAt(i + 1) == '[') {
                int close = text.indexOf(']', i + 2);
                if (close < 0) {
                    errors.add(new ConfigError(word.at(i), "missing ']' to close this '%['"));
                    return null;
                }
                if (literal.length() > 0) {
                    parts.add(literal.toString());
                    literal.setLength(0);
                }
                parts.add(Sample.compile(text.substring(i + 2, close), word.at(i + 2), stick, errors));
                i = close + 1;
            } else {
                errors.add(new ConfigError(word.at(i), "only %[fetch] expressions are supported in formats; write %% for a percent sign"));
                i++;
            }
        }
        if (literal.length() > 0) {
            parts.add(literal.toString());
        }
        return errors.size() > before ? null : new Format(parts);
    }

    /** The text for {@code request}. */
    public String render(RequestFacts request) {
        if (constant != null) {
            return constant;
        }
        StringBuilder out = new StringBuilder();
        for (Object part : parts) {
            if (part instanceof Sample sample) {
                String value = sample.text(request);
                if (value != null) {
                    out.append(value);
                }
            } else {
                out.append((String) part);
            }
        }
        return out.toString();
    }
}
