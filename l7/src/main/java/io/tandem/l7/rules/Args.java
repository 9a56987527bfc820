package io.tandem.l7.rules;

import io.tandem.core.config.ConfigError;
import io.tandem.core.config.SourcePos;
import io.tandem.l7.acl.Word;

import java.util.List;

/** The words of a rule line after its action keyword, read left to right by the action's parser. */
final class Args {
    private final List<Word> words;
    private int next;
    private Word last;

    Args(List<Word> words, int first) {
        this.words = words;
        this.next = first;
        this.last = words.get(first - 1);
    }

    /** True at the end of the line or at the {@code if}/{@code unless} that starts the condition. */
    boolean atEnd() {
        return next == words.size() || words.get(next).is("if") || words.get(next).is("unless");
    }

    /** True when the next word is the bare keyword {@code keyword}. */
    boolean nextIs(String keyword) {
        return !atEnd() && words.get(next).is(keyword);
    }

    /** The next word, or null (with {@code what} reported after the last word read) when there is none. */
    Word take(String what, List<ConfigError> errors) {
        if (atEnd()) {
            errors.add(new ConfigError(endOfLast(), what));
            return null;
        }
        last = words.get(next++);
        return last;
    }

    /** The next word, unconsumed; only when not {@link #atEnd()}. */
    Word peek() {
        return words.get(next);
    }

    /** The words not read yet (the condition, or stray words). */
    List<Word> rest() {
        return words.subList(next, words.size());
    }

    /** Reads the number after an option such as {@code code}; reports and returns -1 if it is missing or not allowed. */
    int number(String option, List<Integer> allowed, int min, int max, List<ConfigError> errors) {
        Word word = take("'" + option + "' needs a number", errors);
        if (word == null) {
            return -1;
        }
        int value = word.text().matches("[0-9]{1,4}") ? Integer.parseInt(word.text()) : -1;
        boolean ok = allowed.isEmpty() ? value >= min && value <= max : allowed.contains(value);
        if (!ok) {
            String range = allowed.isEmpty() ? min + ".." + max : allowed.toString().replaceAll("[\\[\\]]", "");
            errors.add(new ConfigError(word.pos(), "'" + word.text() + "' is not a valid " + option + " (" + range + ")"));
            return -1;
        }
        return value;
    }

    private SourcePos endOfLast() {
        return last.at(last.text().length());
    }
}
