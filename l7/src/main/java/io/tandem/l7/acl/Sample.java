package io.tandem.l7.acl;

import io.tandem.core.config.ConfigError;
import io.tandem.core.config.HostPort;
import io.tandem.core.config.SourcePos;
import io.tandem.core.stick.StickKeyType;

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
        LastValue last = new LastValue();
        fetch.anyValue(request, last);
        return last.value;
    }

    /**
     * The value as a key of a stick table of key type {@code type} (HAProxy's casts: text parsed as an address or
     * integer, addresses written out), or null when the request has no value or it does not convert.
     */
    public String stickKey(RequestFacts request, StickKeyType type) {
        LastNative last = new LastNative();
        fetch.anyValue(request, last);
        if (last.text != null) {
            return type.key(last.text);
        }
        if (last.address != null) {
            return type.key(last.address);
        }
        return last.hasInteger ? type.key(last.integer) : null;
    }

    /** Keeps the last value offered in its native type, accepting none so that the fetch offers them all. */
    private static final class LastNative implements SampleTest {
        private String text;
        private InetAddress address;
        private long integer;
        private boolean hasInteger;

        @Override
        public boolean string(String v) {
            text = v;
            address = null;
            hasInteger = false;
            return false;
        }

        @Override
        public boolean integer(long v) {
            integer = v;
            hasInteger = true;
            text = null;
            address = null;
            return false;
        }

        @Override
        public boolean address(InetAddress v) {
            address = v;
            text = null;
            hasInteger = false;
            return false;
        }
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
            value = HostPort.text(v);
            return false;
        }
    }
}
