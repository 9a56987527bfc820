package io.tandem.l7.acl;

import io.tandem.core.config.ConfigError;
import io.tandem.core.config.SourcePos;

import java.util.List;

/**
 * One compiled ACL expression, {@code FETCH [FLAGS] [PATTERNS...]}: true for a request when any value of the fetch
 * matches any pattern. Everything a match needs (lower-cased patterns, regexes, ranges) is prepared at compile time.
 */
public final class Acl {
    private final Fetch fetch;
    private final SampleTest test;
    private final String source;

    private Acl(Fetch fetch, SampleTest test, String source) {
        this.fetch = fetch;
        this.test = test;
        this.source = source;
    }

    /** True when the request matches. */
    public boolean test(RequestFacts request) {
        return fetch.anyValue(request, test);
    }

    /** Compiles {@code text}, which starts at {@code pos}; reports each problem and returns null if there was one. */
    public static Acl compile(String text, SourcePos pos, List<ConfigError> errors) {
        return compile(Words.split(text, pos, errors), pos, StickScope.none(), errors);
    }

    /**
     * Compiles an expression already split into words; {@code where} locates an empty expression, {@code stick}
     * holds the stick tables its fetch may read.
     */
    static Acl compile(List<Word> words, SourcePos where, StickScope stick, List<ConfigError> errors) {
        if (words.isEmpty()) {
            errors.add(new ConfigError(where, "empty ACL expression: expected a fetch such as path_beg /api/"));
            return null;
        }
        int before = errors.size();
        Fetches.Resolved resolved = Fetches.compile(words.get(0), stick, errors);
        if (resolved == null) {
            return null;
        }
        boolean ignoreCase = false;
        MatchMethod method = resolved.implied();
        Word methodWord = words.get(0);
        int i = 1;
        flags:
        for (; i < words.size(); i++) {
            Word word = words.get(i);
            switch (word.text()) {
                case "--" -> {
                    i++;
                    break flags;
                }
                case "-i" -> ignoreCase = true;
                case "-n" -> {
                    // HAProxy's "no DNS resolution": patterns are never resolved here anyway.
                }
                case "-f" -> {
                    errors.add(new ConfigError(word.pos(), "pattern files (-f) are not supported"));
                    return null;
                }
                case "-m" -> {
                    if (i + 1 >= words.size()) {
                        errors.add(new ConfigError(word.at(2), "'-m' needs a match method (str, beg, end, sub, reg, dir, dom, found, len, int, ip, bool)"));
                        return null;
                    }
                    Word name = words.get(++i);
                    if (resolved.implied() != null) {
                        errors.add(new ConfigError(word.pos(), "'" + resolved.name() + "' already selects its match method; write '"
                                + resolved.name().substring(0, resolved.name().lastIndexOf('_')) + " -m ...' instead"));
                        return null;
                    }
                    method = MatchMethod.named(name.text());
                    methodWord = name;
                    if (method == null) {
                        errors.add(new ConfigError(name.pos(), "unknown match method '" + name.text()
                                + "' (expected str, beg, end, sub, reg, dir, dom, found, len, int, ip or bool)"));
                        return null;
                    }
                }
                default -> {
                    if (!word.text().startsWith("-") || word.text().length() == 1) {
                        break flags;
                    }
                    errors.add(new ConfigError(word.pos(), "unknown flag '" + word.text()
                            + "' (expected -i, -m, -n or --; write '--' before a pattern that starts with '-')"));
                    return null;
                }
            }
        }
        List<Word> patterns = words.subList(i, words.size());
        SampleType type = resolved.fetch().type();
        if (method == null) {
            method = MatchMethod.defaultFor(type);
        }
        if (!method.accepts(type)) {
            errors.add(new ConfigError(methodWord.pos(), "'-m " + method.keyword() + "' cannot match the "
                    + type.label() + " values of '" + resolved.name() + "'"));
            return null;
        }
        SampleTest test = switch (method) {
            case STR, BEG, END, SUB, DIR, DOM -> new TextMatcher(method, ignoreCase, patterns);
            case REG -> RegexMatcher.compile(ignoreCase, patterns, errors);
            case INT, LEN -> IntMatcher.compile(method == MatchMethod.LEN, patterns, errors);
            case IP -> IpMatcher.compile(patterns, errors);
            case FOUND, BOOL -> {
                if (!patterns.isEmpty()) {
                    errors.add(new ConfigError(patterns.get(0).pos(), "'" + resolved.name() + " -m " + method.keyword()
                            + "' takes no patterns" + (method == MatchMethod.BOOL ? " (use -m int to compare the value)" : "")));
                }
                yield method == MatchMethod.FOUND ? Presence.FOUND : Presence.BOOL;
            }
        };
        if (errors.size() > before) {
            return null;
        }
        return new Acl(resolved.fetch(), test, String.join(" ", words.stream().map(Word::text).toList()));
    }

    @Override
    public String toString() {
        return source;
    }
}
