package io.tandem.l7.acl;

import io.tandem.core.config.ConfigError;
import io.tandem.core.config.Located;
import io.tandem.core.config.SourcePos;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a config line into words the way HAProxy does: blanks separate words, {@code "..."} and {@code '...'}
 * quote (anywhere in a word), and outside single quotes a backslash escapes a blank, quote, backslash, {@code #} or
 * {@code $}.
 */
public final class Words {
    /**
     * What a backslash escapes; before any other character it stays, as in HAProxy, so that regexes such as
     * {@code ^www\.example\.com$} need no doubling.
     */
    private static final String ESCAPABLE = " \t\\\"'#$";

    private Words() {
    }

    /**
     * The words of a config line that needs at least one: null when a quote is unclosed or when the line is empty,
     * which is reported at the line as {@code whenEmpty}.
     */
    public static List<Word> splitLine(Located<String> line, String whenEmpty, List<ConfigError> errors) {
        int before = errors.size();
        List<Word> words = split(line.value(), line.pos(), errors);
        if (errors.size() > before) {
            return null;
        }
        if (words.isEmpty()) {
            errors.add(new ConfigError(line.pos(), whenEmpty));
            return null;
        }
        return words;
    }

    /** The words of {@code text}, which starts at {@code pos}; an unclosed quote is reported and ends the line. */
    public static List<Word> split(String text, SourcePos pos, List<ConfigError> errors) {
        List<Word> words = new ArrayList<>();
        int i = 0;
        int n = text.length();
        while (i < n) {
            if (isBlank(text.charAt(i))) {
                i++;
                continue;
            }
            int start = i;
            StringBuilder out = new StringBuilder();
            int[] columns = new int[n - start + 1];
            boolean bare = true;
            char quote = 0;
            int quoteStart = -1;
            while (i < n && (quote != 0 || !isBlank(text.charAt(i)))) {
                char c = text.charAt(i);
                if (quote == 0 && (c == '"' || c == '\'')) {
                    quote = c;
                    quoteStart = i;
                    bare = false;
                    i++;
                } else if (quote != 0 && c == quote) {
                    quote = 0;
                    i++;
                } else if (c == '\\' && quote != '\'' && i + 1 < n && ESCAPABLE.indexOf(text.charAt(i + 1)) >= 0) {
                    bare = false;
                    columns[out.length()] = i + 1;
                    out.append(text.charAt(i + 1));
                    i += 2;
                } else {
                    columns[out.length()] = i;
                    out.append(c);
                    i++;
                }
            }
            if (quote != 0) {
                errors.add(new ConfigError(pos.plusColumns(quoteStart), "unclosed " + quote + " quote"));
                return words;
            }
            columns[out.length()] = i;
            int[] relative = new int[out.length() + 1];
            for (int k = 0; k < relative.length; k++) {
                relative[k] = columns[k] - start;
            }
            words.add(new Word(out.toString(), pos.plusColumns(start), relative, bare));
        }
        return words;
    }

    private static boolean isBlank(char c) {
        return c == ' ' || c == '\t';
    }
}
