package io.tandem.l7.acl;

import io.tandem.core.config.ConfigError;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** Matches samples against regular expressions compiled at config time; like HAProxy, a match anywhere counts. */
final class RegexMatcher implements SampleTest.OnText {
    private final Pattern[] patterns;

    private RegexMatcher(Pattern[] patterns) {
        this.patterns = patterns;
    }

    /** Compiles every pattern, reporting each bad one at the column of its syntax error. */
    static RegexMatcher compile(boolean ignoreCase, List<Word> words, List<ConfigError> errors) {
        List<Pattern> compiled = new ArrayList<>();
        for (Word word : words) {
            try {
                compiled.add(Pattern.compile(word.text(), ignoreCase ? Pattern.CASE_INSENSITIVE : 0));
            } catch (PatternSyntaxException e) {
                int index = Math.max(e.getIndex(), 0);
                errors.add(new ConfigError(word.at(index), "bad regex '" + word.text() + "': " + e.getDescription()));
            }
        }
        return new RegexMatcher(compiled.toArray(Pattern[]::new));
    }

    @Override
    public boolean string(String value) {
        for (Pattern pattern : patterns) {
            if (pattern.matcher(value).find()) {
                return true;
            }
        }
        return false;
    }
}
