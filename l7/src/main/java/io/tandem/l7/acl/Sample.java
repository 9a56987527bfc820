package io.tandem.l7.acl;

import io.tandem.core.config.ConfigError;
import io.tandem.core.config.HostPort;
import io.tandem.core.config.SourcePos;
import io.tandem.core.stick.StickKeyType;

import java.net.InetAddress;
import java.util.List;
import java.util.function.Function;
import java.util.function.LongFunction;

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
        return compile(expression, pos, StickScope.none(), errors);
    }

    /** Compiles {@code expression} in a section whose stick tables are {@code stick}. */
    public static Sample compile(String expression, SourcePos pos, StickScope stick, List<ConfigError> errors) {
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
        Fetches.Resolved resolved = Fetches.compile(Word.plain(expression, pos), stick, errors);
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
        return last(request).convert(text -> text, HostPort::text, Long::toString);
    }

    /**
     * The value as a key of a stick table of key type {@code type} (HAProxy's casts: text parsed as an address or
     * integer, addresses written out), or null when the request has no value or it does not convert.
     */
    public String stickKey(RequestFacts request, StickKeyType type) {
        return last(request).convert(type::key, type::key, type::key);
    }

    private Last last(RequestFacts request) {
        Last last = new Last();
        fetch.anyValue(request, last);
        return last;
    }

    /** Keeps the last value offered in its native type, accepting none so that the fetch offers them all. */
    private static final class Last implements SampleTest {
        private String text;
        private InetAddress address;
        private long integer;
        private boolean hasInteger;

        @Override
        public boolean string(String v) {
            clear();
            text = v;
            return false;
        }

        @Override
        public boolean integer(long v) {
            clear();
            integer = v;
            hasInteger = true;
            return false;
        }

        @Override
        public boolean address(InetAddress v) {
            clear();
            address = v;
            return false;
        }

        private void clear() {
            text = null;
            address = null;
            hasInteger = false;
        }

        /** The last value as the conversion for its type makes it a string, or null when none was offered. */
        String convert(Function<String, String> ofText, Function<InetAddress, String> ofAddress,
                       LongFunction<String> ofInteger) {
            if (text != null) {
                return ofText.apply(text);
            }
            if (address != null) {
                return ofAddress.apply(address);
            }
            return hasInteger ? ofInteger.apply(integer) : null;
        }
    }
}
