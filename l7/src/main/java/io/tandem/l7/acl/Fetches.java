package io.tandem.l7.acl;

import io.tandem.core.config.Suggestions;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.util.AsciiString;
import io.tandem.core.config.ConfigError;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiPredicate;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The sample fetches Tandem knows, by HAProxy name, and the compiler from a fetch word such as {@code hdr_beg(host)}
 * to a {@link Fetch} plus the match method its name implies.
 */
final class Fetches {

    /** A fetch word resolved: the fetch, and the match method an ACL keyword like {@code path_beg} implies (or null). */
    record Resolved(Fetch fetch, MatchMethod implied, String name) {
    }

    /** Whether a fetch takes an argument in parentheses. */
    private enum Arg { NONE, NAME, NAME_AND_DELIMITER }

    private record Def(Arg arg, Function<String[], Fetch> factory) {
    }

    private static final Map<String, Def> DEFS = new LinkedHashMap<>();
    private static final Fetch SOURCE = new Fetch(SampleType.ADDRESS, Fetches::anySource);

    static {
        define("path", Arg.NONE, a -> text(RequestFacts::path));
        define("url", Arg.NONE, a -> text(RequestFacts::uri));
        define("query", Arg.NONE, a -> text(RequestFacts::query));
        define("method", Arg.NONE, a -> text(RequestFacts::method));
        define("ssl_sni", Arg.NONE, a -> text(RequestFacts::sslSni));
        define("ssl_fc_sni", Arg.NONE, a -> text(RequestFacts::sslSni));
        define("ssl_fc_protocol", Arg.NONE, a -> text(RequestFacts::sslProtocol));
        define("ssl_fc_alpn", Arg.NONE, a -> text(RequestFacts::sslAlpn));
        define("req.ver", Arg.NONE, a -> text(Fetches::version));
        define("base", Arg.NONE, a -> text(Fetches::base));
        define("url_param", Arg.NAME_AND_DELIMITER, a -> urlParam(a[0], a.length > 1 ? a[1].charAt(0) : '&'));
        define("urlp", Arg.NAME_AND_DELIMITER, a -> urlParam(a[0], a.length > 1 ? a[1].charAt(0) : '&'));
        define("hdr", Arg.NAME, a -> eachHeader(AsciiString.cached(a[0]), Fetches::anyElement));
        define("req.hdr", Arg.NAME, a -> eachHeader(AsciiString.cached(a[0]), Fetches::anyElement));
        define("hdr_cnt", Arg.NAME, a -> headerCount(AsciiString.cached(a[0])));
        define("req.hdr_cnt", Arg.NAME, a -> headerCount(AsciiString.cached(a[0])));
        define("cook", Arg.NAME, a -> cookie(a[0]));
        define("req.cook", Arg.NAME, a -> cookie(a[0]));
        define("src", Arg.NONE, a -> SOURCE);
        define("ssl_fc", Arg.NONE, a -> flag(RequestFacts::sslFc));
        define("always_true", Arg.NONE, a -> flag(r -> true));
        define("always_false", Arg.NONE, a -> flag(r -> false));
        // Every request that reaches the L7 rules has been parsed as HTTP.
        define("req.proto_http", Arg.NONE, a -> flag(r -> true));
    }

    private Fetches() {
    }

    private static void define(String name, Arg arg, Function<String[], Fetch> factory) {
        DEFS.put(name, new Def(arg, factory));
    }

    /**
     * Compiles {@code word} (e.g. {@code hdr_sub(user-agent)}); reports a problem and returns null if it is not one.
     * Stick-counter fetches find their tables in {@code stick}.
     */
    static Resolved compile(Word word, StickScope stick, List<ConfigError> errors) {
        String text = word.text();
        int open = text.indexOf('(');
        String name = open < 0 ? text : text.substring(0, open);
        String[] args = new String[0];
        if (open >= 0) {
            if (!text.endsWith(")")) {
                errors.add(new ConfigError(word.at(text.length()), "missing ')' after the arguments of '" + name + "'"));
                return null;
            }
            String inside = text.substring(open + 1, text.length() - 1);
            args = inside.isEmpty() ? args : inside.split(",", -1);
        }
        if (StickFetches.claims(name)) {
            Fetch fetch = StickFetches.compile(word, name, args, open, stick, errors);
            return fetch == null ? null : new Resolved(fetch, null, name);
        }
        MatchMethod implied = null;
        String base = name;
        Def def = DEFS.get(name);
        int underscore = name.lastIndexOf('_');
        if (def == null && underscore > 0) {
            implied = MatchMethod.suffix(name.substring(underscore + 1));
            base = name.substring(0, underscore);
            def = implied == null ? null : DEFS.get(base);
        }
        if (def == null) {
            errors.add(new ConfigError(word.pos(), "unknown fetch '" + name + "'" + Suggestions.didYouMean(name, knownNames())));
            return null;
        }
        if (!checkArguments(word, name, def.arg(), args, open, errors)) {
            return null;
        }
        Fetch fetch = def.factory().apply(args);
        if (implied != null && fetch.type() != SampleType.STRING) {
            errors.add(new ConfigError(word.pos(), "unknown fetch '" + name + "': '" + base + "' is not a text fetch"));
            return null;
        }
        return new Resolved(fetch, implied, name);
    }

    /** Every fetch name, with the ACL keyword forms ({@code path_beg}) of the text fetches, for suggestions. */
    private static List<String> knownNames() {
        List<String> names = new ArrayList<>(DEFS.keySet());
        names.addAll(StickFetches.names());
        DEFS.forEach((name, def) -> {
            if (def.factory().apply(new String[] {"x", ","}).type() == SampleType.STRING) {
                for (String suffix : List.of("beg", "end", "sub", "reg", "dir", "dom", "len")) {
                    names.add(name + "_" + suffix);
                }
            }
        });
        return names;
    }

    private static boolean checkArguments(Word word, String name, Arg arg, String[] args, int open,
                                          List<ConfigError> errors) {
        int max = switch (arg) {
            case NONE -> 0;
            case NAME -> 1;
            case NAME_AND_DELIMITER -> 2;
        };
        if (arg != Arg.NONE && (args.length == 0 || args[0].isEmpty())) {
            errors.add(new ConfigError(word.pos(), "'" + name + "' needs a name argument, e.g. " + name + "(host)"));
            return false;
        }
        if (args.length > max) {
            String what = max == 0 ? "takes no argument" : max == 1 ? "takes one argument" : "takes at most two arguments";
            errors.add(new ConfigError(word.at(open), "'" + name + "' " + what));
            return false;
        }
        if (args.length == 2 && args[1].length() != 1) {
            errors.add(new ConfigError(word.at(open), "the delimiter of '" + name + "' must be one character"));
            return false;
        }
        return true;
    }

    private static String version(RequestFacts r) {
        String v = r.httpVersion();
        return v != null && v.startsWith("HTTP/") ? v.substring(5) : v;
    }

    /** HAProxy's {@code base}: the Host header followed by the path, or the path alone without a Host. */
    private static String base(RequestFacts r) {
        String host = r.headers().get(HttpHeaderNames.HOST);
        String path = r.path();
        return host == null ? path : path == null ? host : host + path;
    }

    /** Offers each comma-separated element of a header value, trimmed; commas inside double quotes do not split. */
    static boolean anyElement(String value, SampleTest test) {
        int start = 0;
        boolean quoted = false;
        for (int i = 0; i <= value.length(); i++) {
            char c = i < value.length() ? value.charAt(i) : ',';
            if (c == '"') {
                quoted = !quoted;
            } else if (c == ',' && (!quoted || i == value.length())) {
                if (test.string(trimmed(value, start, i))) {
                    return true;
                }
                start = i + 1;
            }
        }
        return false;
    }

    /** How many elements {@link #anyElement} would offer for {@code value}. */
    private static int countElements(String value) {
        int count = 1;
        boolean quoted = false;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            } else if (c == ',' && !quoted) {
                count++;
            }
        }
        return count;
    }

    private static String trimmed(String s, int from, int to) {
        while (from < to && isSpace(s.charAt(from))) {
            from++;
        }
        while (to > from && isSpace(s.charAt(to - 1))) {
            to--;
        }
        return s.substring(from, to);
    }

    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t';
    }

    /** A fetch that reads one text value (absent when null). */
    private static Fetch text(Function<RequestFacts, String> read) {
        return new Fetch(SampleType.STRING, (request, test) -> {
            String value = read.apply(request);
            return value != null && test.string(value);
        });
    }

    /** A boolean fetch, offered as 1 or 0. */
    private static Fetch flag(Predicate<RequestFacts> read) {
        return new Fetch(SampleType.BOOLEAN, (request, test) -> test.integer(read.test(request) ? 1 : 0));
    }

    /** {@code src}: the client address; an IPv4-mapped IPv6 address is offered as the IPv4 address it carries. */
    private static boolean anySource(RequestFacts request, SampleTest test) {
        InetAddress source = request.source();
        return source != null && test.address(unmapped(source));
    }

    /**
     * A text fetch over every occurrence of header {@code name}, each offered to the test by {@code offer}: its
     * comma-separated elements for {@code hdr(NAME)}, one cookie's values for {@code req.cook(NAME)}.
     */
    private static Fetch eachHeader(AsciiString name, BiPredicate<String, SampleTest> offer) {
        return new Fetch(SampleType.STRING, (request, test) -> {
            for (String value : request.headers().getAll(name)) {
                if (offer.test(value, test)) {
                    return true;
                }
            }
            return false;
        });
    }

    /** {@code req.cook(NAME)}: the value of every cookie named NAME in the Cookie headers. */
    private static Fetch cookie(String name) {
        return eachHeader(HttpHeaderNames.COOKIE, (header, test) -> anyParameter(header, ';', name, test));
    }

    /** {@code hdr_cnt(NAME)}: how many comma-separated elements the header's occurrences hold. */
    private static Fetch headerCount(AsciiString name) {
        return new Fetch(SampleType.INTEGER, (request, test) -> {
            long count = 0;
            for (String value : request.headers().getAll(name)) {
                count += countElements(value);
            }
            return test.integer(count);
        });
    }

    /** {@code url_param(NAME[,DELIM])}: the raw value of every query parameter named NAME. */
    private static Fetch urlParam(String name, char delimiter) {
        return new Fetch(SampleType.STRING, (request, test) -> {
            String query = request.query();
            return query != null && anyParameter(query, delimiter, name, test);
        });
    }

    /** Offers the value of each {@code name=value} item of {@code list} (items split on {@code separator}) named {@code name}. */
    private static boolean anyParameter(String list, char separator, String name, SampleTest test) {
        int start = 0;
        while (start <= list.length()) {
            int end = list.indexOf(separator, start);
            if (end < 0) {
                end = list.length();
            }
            int from = start;
            while (from < end && isSpace(list.charAt(from))) {
                from++;
            }
            int eq = from + name.length();
            if (eq < end && list.charAt(eq) == '=' && list.startsWith(name, from)
                    && test.string(trimmed(list, eq + 1, end))) {
                return true;
            }
            start = end + 1;
        }
        return false;
    }

    /** The IPv4 address inside an IPv4-mapped IPv6 address ({@code ::ffff:a.b.c.d}), else {@code address} itself. */
    static InetAddress unmapped(InetAddress address) {
        if (address instanceof Inet6Address) {
            byte[] b = address.getAddress();
            if (IpMatcher.isIpv4Mapped(b)) {
                try {
                    return InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]});
                } catch (UnknownHostException impossible) {
                    throw new AssertionError(impossible);
                }
            }
        }
        return address;
    }
}
