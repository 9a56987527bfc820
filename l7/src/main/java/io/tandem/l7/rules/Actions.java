package io.tandem.l7.rules;

import io.tandem.core.config.ConfigError;
import io.tandem.l7.acl.Sample;
import io.tandem.l7.acl.StickScope;
import io.tandem.l7.acl.Word;
import io.tandem.core.stick.StickTable;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The action keywords of http-request and http-response rules and their parsers. A new action is one entry in
 * {@link #REQUEST} (and a small {@link RequestAction} class).
 */
final class Actions {
    /** RFC 9110 token characters, the only ones a header name may have. */
    private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    private static final List<Integer> REDIRECT_CODES = List.of(301, 302, 303, 307, 308);

    static final Map<String, ActionParser> REQUEST;
    static final Map<String, ActionParser> RESPONSE;

    static {
        Map<String, ActionParser> response = new LinkedHashMap<>();
        response.put("set-header", (k, a, s, e) -> header(HeaderAction.Operation.SET, k, a, s, e));
        response.put("add-header", (k, a, s, e) -> header(HeaderAction.Operation.ADD, k, a, s, e));
        response.put("del-header", (k, a, s, e) -> header(HeaderAction.Operation.DEL, k, a, s, e));
        Map<String, ActionParser> request = new LinkedHashMap<>(response);
        request.put("allow", (k, a, s, e) -> new AllowAction());
        request.put("deny", Actions::deny);
        request.put("redirect", Actions::redirect);
        request.put("return", Actions::respond);
        for (int counter = 0; counter < TrackAction.COUNTERS; counter++) {
            int n = counter;
            request.put("track-sc" + n, (k, a, s, e) -> track(n, k, a, s, e));
        }
        REQUEST = Collections.unmodifiableMap(request);
        RESPONSE = Collections.unmodifiableMap(response);
    }

    private Actions() {
    }

    private static RequestAction header(HeaderAction.Operation operation, Word keyword, Args args, StickScope stick,
                                        List<ConfigError> errors) {
        String usage = operation == HeaderAction.Operation.DEL ? "'" + keyword + "' needs a header name"
                : "'" + keyword + "' needs a header name and a value";
        Word name = args.take(usage, errors);
        if (name == null) {
            return null;
        }
        if (!HEADER_NAME.matcher(name.text()).matches()) {
            errors.add(new ConfigError(name.pos(), "'" + name.text() + "' is not a valid header name"));
            return null;
        }
        if (operation == HeaderAction.Operation.DEL) {
            return new HeaderAction(operation, name.text(), null);
        }
        Word value = args.take(usage, errors);
        Format format = value == null ? null : Format.compile(value, stick, errors);
        return format == null ? null : new HeaderAction(operation, name.text(), format);
    }

    /**
     * {@code track-scN FETCH [table NAME]}: the key is the fetch's value cast to the table's key type; the table is
     * the section's own unless named.
     */
    private static RequestAction track(int counter, Word keyword, Args args, StickScope stick,
                                       List<ConfigError> errors) {
        Word fetch = args.take("'" + keyword.text() + "' needs a sample fetch to track, e.g. src", errors);
        if (fetch == null) {
            return null;
        }
        Sample key = Sample.compile(fetch.text(), fetch.pos(), stick, errors);
        Word tableName = null;
        if (args.nextIs("table")) {
            args.take("", errors);
            tableName = args.take("'table' needs the name of a frontend or backend with a stick-table", errors);
            if (tableName == null) {
                return null;
            }
        }
        if (key == null) {
            return null;
        }
        StickTable table = stick.table(tableName, keyword.pos(), "'" + keyword.text() + "'", errors);
        if (table == null) {
            return null;
        }
        stick.tracks(counter, table);
        return new TrackAction(counter, key, table);
    }

    /** {@code deny [deny_status N]}; {@code status N} is HAProxy 2.2's spelling of the same. */
    private static RequestAction deny(Word keyword, Args args, StickScope stick, List<ConfigError> errors) {
        if (args.nextIs("deny_status") || args.nextIs("status")) {
            String option = args.take("", errors).text();
            int status = args.number(option, List.of(), 200, 599, errors);
            return status < 0 ? null : new DenyAction(status);
        }
        return new DenyAction(403);
    }

    private static RequestAction redirect(Word keyword, Args args, StickScope stick, List<ConfigError> errors) {
        Word kindWord = args.take("'redirect' needs 'location', 'prefix' or 'scheme' and its argument", errors);
        if (kindWord == null) {
            return null;
        }
        RedirectAction.Kind kind = switch (kindWord.text()) {
            case "location" -> RedirectAction.Kind.LOCATION;
            case "prefix" -> RedirectAction.Kind.PREFIX;
            case "scheme" -> RedirectAction.Kind.SCHEME;
            default -> null;
        };
        if (kind == null) {
            errors.add(new ConfigError(kindWord.pos(), "unknown redirect type '" + kindWord.text()
                    + "' (expected location, prefix or scheme)"));
            return null;
        }
        Word targetWord = args.take("'redirect " + kindWord.text() + "' needs an argument", errors);
        Format target = targetWord == null ? null : Format.compile(targetWord, stick, errors);
        if (target == null) {
            return null;
        }
        int code = 302;
        boolean dropQuery = false;
        boolean appendSlash = false;
        while (!args.atEnd()) {
            Word option = args.take("", errors);
            switch (option.text()) {
                case "code" -> code = args.number("code", REDIRECT_CODES, 0, 0, errors);
                case "drop-query" -> dropQuery = true;
                case "append-slash" -> appendSlash = true;
                default -> {
                    return unknownOption("redirect", option, "code, drop-query, append-slash", errors);
                }
            }
            if (code < 0) {
                return null;
            }
        }
        return new RedirectAction(kind, target, code, dropQuery, appendSlash);
    }

    /** {@code return [status N] [content-type T] [string S | lf-string FMT]}. */
    private static RequestAction respond(Word keyword, Args args, StickScope stick, List<ConfigError> errors) {
        int status = 200;
        String contentType = null;
        Format body = null;
        Word bodyWord = null;
        while (!args.atEnd()) {
            Word option = args.take("", errors);
            switch (option.text()) {
                case "status" -> status = args.number("status", List.of(), 200, 599, errors);
                case "content-type" -> {
                    Word type = args.take("'content-type' needs a media type", errors);
                    contentType = type == null ? null : type.text();
                    if (type == null) {
                        return null;
                    }
                }
                case "string", "lf-string" -> {
                    bodyWord = option;
                    Word text = args.take("'" + option.text() + "' needs a text", errors);
                    if (text == null) {
                        return null;
                    }
                    body = option.text().equals("string") ? Format.literal(text.text()) : Format.compile(text, stick, errors);
                    if (body == null) {
                        return null;
                    }
                }
                default -> {
                    return unknownOption("return", option, "status, content-type, string, lf-string", errors);
                }
            }
            if (status < 0) {
                return null;
            }
        }
        if (body != null && contentType == null) {
            errors.add(new ConfigError(bodyWord.pos(), "'" + bodyWord.text() + "' needs a 'content-type'"));
            return null;
        }
        return new ReturnAction(status, contentType, body);
    }

    /** Records that {@code option} is none of {@code action}'s {@code options}; null, for the action to return. */
    private static RequestAction unknownOption(String action, Word option, String options, List<ConfigError> errors) {
        errors.add(new ConfigError(option.pos(), "unknown " + action + " option '" + option.text() + "' (expected "
                + options + ", if or unless)"));
        return null;
    }
}
