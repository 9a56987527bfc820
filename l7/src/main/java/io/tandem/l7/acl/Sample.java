package io.tandem.l7.acl;

import io.tandem.core.config.ConfigError;
import io.tandem.core.config.SourcePos;

import java.net.InetAddress;
import java.util.List;

/**
 * A sample fetch used for its value rather than matched, as in the {@code %[hdr(host)]} of a header format.
 * Like HAProxy in a sample context, a fetch with several values (a multi-valued header) yields the last one.
 */
public final class Sample {
    private final Fetch fetch;

    private Sample(Fetch fetch) {
        this.fetch = fetch;
    }

    /**
     * Compiles {@code expression} (e.g. {@code hdr(host)}), which starts at {@code pos}; reports a problem and returns
     * null if there is one. Converters ({@code ,lower}) are not supported.
     */
    public static Sample compile(String expression, SourcePos pos, List<ConfigError> errors) {
        int depth = 0;
        for (int i = 0; i < expression.length(); i++) {
            char c = expression.charAt(i);
            depth += c == '(' ? 1 : c == ')' ? -1 : 0;
            if (c == ',' && depth == 0) {
                errors.add(new ConfigError(pos.plusColumns(i), "converters are not supported"));
                return null;
            }
        }
        if (expression.isBlank()) {
            errors.add(new ConfigError(pos, "empty sample expression: expected a fetch such as hdr(host)"));
            return null;
        }
        Fetches.Resolved resolved = Fetches.compile(Word.plain(expression, pos), errors);
        if (resolved == null) {
            return null;
        }
        if (resolved.implied() != null) {
            String name = resolved.name();
            errors.add(new ConfigError(pos, "'" + name + "' is an ACL keyword, not a sample fetch; use '"
                    + name.substring(0, name.lastIndexOf('_')) + "'"));
            return null;
        }
        return new Sample(resolved.fetch());
    }

    /** The value's text (integers in decimal, booleans as 1 or 0, addresses as literals), or null when absent. */
    public String text(RequestFacts request) {
        LastValue last = new LastValue();
        fetch.anyValue(request, last);
        return last.value;
    }

    /** Keeps the text of the last value offered, accepting none so that the fetch offers them all. */
    private static final class LastValue implements SampleTest {
        private String value;

        @Override
        public boolean string(String v) {
            value = v;
            return false;
        }

        @Override
        public boolean integer(long v) {
            value = Long.toString(v);
            return false;
        }

        @Override
        public boolean address(InetAddress v) {
            value = v.getHostAddress();
            return false;
        }
    }
}
