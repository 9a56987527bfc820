package io.tandem.l7.proxy;

import io.tandem.core.config.ConfigError;
import io.tandem.core.config.Located;
import io.tandem.core.stick.StickTable;
import io.tandem.l7.acl.AclSet;
import io.tandem.l7.acl.Condition;
import io.tandem.l7.acl.RequestFacts;
import io.tandem.l7.acl.Sample;
import io.tandem.l7.acl.Word;
import io.tandem.l7.acl.Words;

import java.util.List;

/**
 * A backend's {@code stick-on FETCH [table NAME] [if|unless COND]}, HAProxy's {@code stick on}: the request's
 * key finds the server it stuck to before balancing ({@code stick match}), and the server that takes the request
 * is stored under the key ({@code stick store-request}).
 */
public record StickOn(Sample key, StickTable table, Condition condition) {

    /** Compiles the line against the backend's ACLs and tables; reports each problem and returns null if any. */
    public static StickOn compile(Located<String> line, AclSet acls, List<ConfigError> errors) {
        List<Word> words = Words.splitLine(line, "stick-on needs a sample fetch, e.g. src or req.cook(SESSION)",
                errors);
        if (words == null) {
            return null;
        }
        Word fetch = words.get(0);
        Sample key = Sample.compile(fetch.text(), fetch.pos(), acls.stickScope(), errors);
        int next = 1;
        Word tableName = null;
        if (next < words.size() && words.get(next).is("table")) {
            if (next + 1 == words.size()) {
                Word table = words.get(next);
                errors.add(new ConfigError(table.at(table.text().length()),
                        "'table' needs the name of a frontend or backend with a stick-table"));
                return null;
            }
            tableName = words.get(next + 1);
            next += 2;
        }
        Condition condition = Condition.ALWAYS;
        if (next < words.size()) {
            Word word = words.get(next);
            if (!word.is("if") && !word.is("unless")) {
                errors.add(new ConfigError(word.pos(), "unexpected '" + word.text()
                        + "' in stick-on; expected 'table NAME', 'if' or 'unless'"));
                return null;
            }
            condition = Condition.compile(words.subList(next, words.size()), acls, errors);
        }
        StickTable table = acls.stickScope().table(tableName, line.pos(), "stick-on", errors);
        if (key == null || table == null || condition == null) {
            return null;
        }
        return new StickOn(key, table, condition);
    }

    /** The request's key in the table, or null when the condition fails or the request has no usable value. */
    String keyOf(RequestFacts request) {
        return condition.test(request) ? key.stickKey(request, table.type()) : null;
    }
}
