package io.tandem.l7.rules;

import io.tandem.core.config.Suggestions;

import io.tandem.core.config.ConfigError;
import io.tandem.core.config.Located;
import io.tandem.l7.acl.AclSet;
import io.tandem.l7.acl.Condition;
import io.tandem.l7.acl.Word;
import io.tandem.l7.acl.Words;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** One compiled rule line: the action and the condition under which it runs. */
record Rule(Condition condition, RequestAction action) {

    /**
     * Compiles the rule lines of one {@code http-request} or {@code http-response} list ({@code section}), with the
     * actions in {@code parsers}; lines with errors are reported and left out.
     */
    static Rule[] compileAll(List<Located<String>> lines, String section, Map<String, ActionParser> parsers,
                             AclSet acls, List<ConfigError> errors) {
        List<Rule> rules = new ArrayList<>();
        for (Located<String> line : lines) {
            Rule rule = compile(line, section, parsers, acls, errors);
            if (rule != null) {
                rules.add(rule);
            }
        }
        return rules.toArray(Rule[]::new);
    }

    private static Rule compile(Located<String> line, String section, Map<String, ActionParser> parsers, AclSet acls,
                                List<ConfigError> errors) {
        List<Word> words = Words.splitLine(line, "empty " + section + " rule", errors);
        if (words == null) {
            return null;
        }
        Word keyword = words.get(0);
        String name = keyword.text();
        ActionParser parser = parsers.get(name);
        if (parser == null) {
            errors.add(new ConfigError(keyword.pos(), unknownAction(name, section, parsers)));
            return null;
        }
        Args args = new Args(words, 1);
        RequestAction action = parser.parse(keyword, args, acls.stickScope(), errors);
        if (action == null) {
            return null;
        }
        Condition condition = Condition.ALWAYS;
        List<Word> rest = args.rest();
        if (!rest.isEmpty()) {
            Word first = rest.get(0);
            if (!first.is("if") && !first.is("unless")) {
                errors.add(new ConfigError(first.pos(), "unexpected '" + first.text() + "' after '" + name
                        + "'; expected 'if' or 'unless'"));
                return null;
            }
            condition = Condition.compile(rest, acls, errors);
        }
        return condition == null ? null : new Rule(condition, action);
    }

    private static String unknownAction(String name, String section, Map<String, ActionParser> parsers) {
        if (name.startsWith("sc-")) {
            int open = name.indexOf('(');
            return "stick counter action '" + (open < 0 ? name : name.substring(0, open)) + "' is not supported yet";
        }
        if (section.equals("http-response") && Actions.REQUEST.containsKey(name)) {
            return "'" + name + "' is not supported in http-response rules (only " + String.join(", ", parsers.keySet()) + ")";
        }
        if (name.startsWith("track-sc")) {
            return "no stick counter '" + name.substring("track-".length()) + "': counters are sc0, sc1 and sc2";
        }
        return "unknown " + section + " action '" + name + "'" + Suggestions.didYouMean(name, parsers.keySet());
    }
}
