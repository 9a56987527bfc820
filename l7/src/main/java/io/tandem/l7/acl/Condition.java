package io.tandem.l7.acl;

import io.tandem.core.config.Suggestions;

import io.tandem.core.config.ConfigError;
import io.tandem.core.config.SourcePos;

import java.util.ArrayList;
import java.util.List;

/**
 * A rule's {@code if COND} / {@code unless COND}, compiled: terms joined by AND (juxtaposition), groups joined by
 * {@code ||} or {@code or}; a term is {@code [!]name} or {@code [!]{ anonymous ACL }}.
 */
public interface Condition {

    /** The condition of a rule that has none. */
    Condition ALWAYS = request -> true;

    /** True when the rule applies to {@code request}. */
    boolean test(RequestFacts request);

    /**
     * Compiles {@code text} ({@code if ...} or {@code unless ...}; empty means {@link #ALWAYS}), which starts at
     * {@code pos}. Reports every problem at its column and returns null if there was one.
     */
    static Condition compile(String text, SourcePos pos, AclSet acls, List<ConfigError> errors) {
        List<Word> words = Words.split(text, pos, errors);
        return words.isEmpty() ? ALWAYS : compile(words, acls, errors);
    }

    /** Compiles a condition already split into words, the first being {@code if} or {@code unless}. */
    static Condition compile(List<Word> words, AclSet acls, List<ConfigError> errors) {
        Word keyword = words.get(0);
        if (!keyword.is("if") && !keyword.is("unless")) {
            errors.add(new ConfigError(keyword.pos(), "expected 'if' or 'unless', found '" + keyword.text() + "'"));
            return null;
        }
        int before = errors.size();
        List<List<AclCondition.Term>> groups = new ArrayList<>();
        List<AclCondition.Term> group = new ArrayList<>();
        Word last = keyword;
        boolean negate = false;
        for (int i = 1; i < words.size(); i++) {
            Word word = words.get(i);
            last = word;
            if (word.is("||") || word.is("or")) {
                if (group.isEmpty() || negate) {
                    errors.add(new ConfigError(word.pos(), "'" + word.text() + "' needs a condition on each side"));
                    return null;
                }
                groups.add(group);
                group = new ArrayList<>();
                continue;
            }
            String text = word.text();
            int bangs = 0;
            while (word.bare() && bangs < text.length() && text.charAt(bangs) == '!') {
                bangs++;
            }
            negate ^= bangs % 2 == 1;
            String name = text.substring(bangs);
            if (name.isEmpty()) {
                continue; // "! name": the negation carries over to the next word, as in HAProxy
            }
            Acl acl;
            if (word.bare() && name.equals("{")) {
                int close = i + 1;
                while (close < words.size() && !words.get(close).is("}")) {
                    close++;
                }
                if (close == words.size()) {
                    errors.add(new ConfigError(word.at(bangs), "missing '}' to close this '{'"));
                    return null;
                }
                List<Word> inner = words.subList(i + 1, close);
                acl = inner.isEmpty() ? null : Acl.compile(inner, word.at(bangs), acls.stickScope(), errors);
                if (inner.isEmpty()) {
                    errors.add(new ConfigError(word.at(bangs), "empty anonymous ACL '{ }'"));
                }
                i = close;
                last = words.get(close);
            } else if (word.bare() && name.equals("}")) {
                errors.add(new ConfigError(word.at(bangs), "'}' without a matching '{'"));
                return null;
            } else {
                acl = acls.get(name);
                if (acl == null) {
                    errors.add(new ConfigError(word.at(bangs), "unknown ACL '" + name + "'" + Suggestions.didYouMean(name, acls.names())));
                }
            }
            group.add(new AclCondition.Term(acl, negate));
            negate = false;
        }
        if (group.isEmpty() || negate) {
            errors.add(new ConfigError(last.at(last.text().length()), "missing condition after '" + last.text() + "'"));
            return null;
        }
        groups.add(group);
        if (errors.size() > before) {
            return null;
        }
        return new AclCondition(groups, keyword.is("unless"));
    }
}
