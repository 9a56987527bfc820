package io.tandem.l7.acl;

import io.tandem.core.config.ConfigError;
import io.tandem.core.config.ConfigValues;

import java.net.InetAddress;
import java.util.List;
import java.util.Arrays;
import java.util.Set;

/**
 * Matches integers ({@code -m int}) or text lengths ({@code -m len}) against values, ranges ({@code 10:20},
 * {@code :5}, {@code 7:}) and HAProxy's operators {@code eq ge gt le lt}, each applying to the values after it.
 */
final class IntMatcher implements SampleTest {
    private static final Set<String> OPERATORS = Set.of("eq", "ge", "gt", "le", "lt");

    private final boolean length;
    /** Inclusive bounds: range i is {@code [low[i], high[i]]}. */
    private final long[] low;
    private final long[] high;

    private IntMatcher(boolean length, long[] low, long[] high) {
        this.length = length;
        this.low = low;
        this.high = high;
    }

    /** Compiles the patterns; {@code length} selects {@code -m len}, which compares a text's length. */
    static IntMatcher compile(boolean length, List<Word> words, List<ConfigError> errors) {
        long[] low = new long[words.size()];
        long[] high = new long[words.size()];
        int count = 0;
        String operator = "eq";
        Word pendingOperator = null;
        for (Word word : words) {
            String text = word.text();
            if (OPERATORS.contains(text)) {
                operator = text;
                pendingOperator = word;
                continue;
            }
            pendingOperator = null;
            int colon = text.indexOf(':');
            if (colon >= 0 && !operator.equals("eq")) {
                errors.add(new ConfigError(word.pos(), "a range cannot follow '" + operator + "'"));
                continue;
            }
            Long from = colon == 0 ? Long.valueOf(Long.MIN_VALUE)
                    : ConfigValues.parseInteger(colon < 0 ? text : text.substring(0, colon));
            Long to = colon < 0 ? from : colon == text.length() - 1 ? Long.valueOf(Long.MAX_VALUE)
                    : ConfigValues.parseInteger(text.substring(colon + 1));
            if (from == null || to == null || (colon == 0 && colon == text.length() - 1)) {
                errors.add(new ConfigError(word.pos(), "'" + text + "' is not an integer or a range like 10:20"));
                continue;
            }
            if ((operator.equals("gt") && from == Long.MAX_VALUE) || (operator.equals("lt") && to == Long.MIN_VALUE)) {
                continue; // nothing is above the largest or below the smallest value
            }
            switch (operator) {
                case "ge" -> to = Long.MAX_VALUE;
                case "gt" -> {
                    from = from + 1;
                    to = Long.MAX_VALUE;
                }
                case "le" -> from = Long.MIN_VALUE;
                case "lt" -> {
                    to = to - 1;
                    from = Long.MIN_VALUE;
                }
                default -> { }
            }
            low[count] = from;
            high[count] = to;
            count++;
        }
        if (pendingOperator != null) {
            errors.add(new ConfigError(pendingOperator.pos(), "'" + pendingOperator.text() + "' needs a value after it"));
        }
        return new IntMatcher(length, Arrays.copyOf(low, count), Arrays.copyOf(high, count));
    }

    @Override
    public boolean integer(long value) {
        for (int i = 0; i < low.length; i++) {
            if (value >= low[i] && value <= high[i]) {
                return true;
            }
        }
        return false;
    }

    @Override
    public boolean string(String value) {
        if (length) {
            return integer(value.length());
        }
        Long parsed = ConfigValues.parseInteger(value);
        return parsed != null && integer(parsed);
    }

    @Override
    public boolean address(InetAddress value) {
        return false;
    }
}
