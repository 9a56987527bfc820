package io.tandem.l7.rules;

import io.tandem.core.config.ConfigError;
import io.tandem.core.config.Located;
import io.tandem.core.config.SourcePos;
import io.tandem.l7.acl.AclSet;
import io.tandem.l7.acl.Condition;
import io.tandem.l7.acl.RequestFacts;
import io.tandem.l7.acl.Word;
import io.tandem.l7.acl.Words;

import java.util.List;

/**
 * One {@code use-backend} line, {@code BACKEND [if|unless COND]}: the backend a request goes to when the
 * condition holds. {@code pos} locates the backend name, for the loader's unknown-backend error.
 */
public record UseBackendRule(String backend, Condition condition, SourcePos pos) {

    /** Compiles {@code line}; reports each problem at its column and returns null if there was one. */
    public static UseBackendRule compile(Located<String> line, AclSet acls, List<ConfigError> errors) {
        List<Word> words = Words.splitLine(line, "use-backend needs a backend name", errors);
        if (words == null) {
            return null;
        }
        Word name = words.get(0);
        if (name.is("if") || name.is("unless")) {
            errors.add(new ConfigError(name.pos(), "use-backend needs a backend name before '" + name.text() + "'"));
            return null;
        }
        Condition condition = words.size() == 1 ? Condition.ALWAYS
                : Condition.compile(words.subList(1, words.size()), acls, errors);
        return condition == null ? null : new UseBackendRule(name.text(), condition, name.pos());
    }

    /** True when requests like {@code request} go to {@link #backend()}. */
    public boolean matches(RequestFacts request) {
        return condition.test(request);
    }
}
