package io.tandem.core.config;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads the TLS words of a bind line and a server's {@code ssl} block, checking what needs no file or TLS library:
 * that the words go together, the version and the ALPN names. Certificates, CA files and cipher names are checked
 * when the l7 config is compiled, at the positions kept here.
 */
final class TlsWords {
    /** The bind words that take a value. */
    static final List<String> WITH_VALUE = List.of("crt", "alpn", "min-version", "ciphers", "ciphersuites");
    static final List<String> VERSIONS = List.of("TLSv1.2", "TLSv1.3");
    static final List<String> SERVER_KEYS = List.of("verify", "ca", "sni", "alpn");
    private static final List<String> VERIFY = List.of("none", "required");

    private final NodeReader reader;
    private final List<Located<String>> certificates = new ArrayList<>();
    private final List<String> alpn = new ArrayList<>();
    private SourcePos tls;
    private SourcePos firstWord;
    private String firstWordName;
    private String minVersion = BindTls.DEFAULT_MIN_VERSION;
    private Located<String> ciphers;
    private Located<String> ciphersuites;
    private boolean usable = true;

    TlsWords(NodeReader reader) {
        this.reader = reader;
    }

    /** True for the words this class reads on a bind line. */
    static boolean claims(String word) {
        return word.equals("tls") || WITH_VALUE.contains(word);
    }

    /** Records {@code tls}. */
    void tls(SourcePos pos) {
        tls = pos;
    }

    /** Records {@code word value} ({@code value} null when the line ended). */
    void word(String word, SourcePos pos, String value, SourcePos valuePos) {
        if (firstWord == null) {
            firstWord = pos;
            firstWordName = word;
        }
        if (value == null) {
            reader.error(pos, "'" + word + "' needs a value");
            usable = false;
            return;
        }
        switch (word) {
            case "crt" -> certificates.add(new Located<>(value, valuePos));
            case "alpn" -> alpn(value, valuePos);
            case "min-version" -> {
                if (VERSIONS.contains(value)) {
                    minVersion = value;
                } else {
                    reader.error(valuePos, "unknown TLS version '" + value + "'"
                            + Suggestions.hint(value, VERSIONS, "valid versions"));
                    usable = false;
                }
            }
            case "ciphers" -> ciphers = new Located<>(value, valuePos);
            case "ciphersuites" -> ciphersuites = new Located<>(value, valuePos);
            default -> throw new IllegalArgumentException(word);
        }
    }

    private void alpn(String value, SourcePos pos) {
        alpn.clear();
        List<String> names = alpnNames(value, pos, true, false);
        if (names == null) {
            usable = false;
        } else {
            alpn.addAll(names);
        }
    }

    /**
     * The names of an ALPN list ({@code h2,http/1.1}), or null after reporting a bad one. To a server ({@code bind}
     * false) a list names the one protocol its {@code proto} says ({@code h2} true for HTTP/2), since the
     * connection speaks that protocol whatever the handshake picks.
     */
    private List<String> alpnNames(String list, SourcePos pos, boolean bind, boolean h2) {
        List<String> names = new ArrayList<>();
        int offset = 0;
        boolean ok = true;
        for (String name : list.split(",", -1)) {
            SourcePos at = pos.plusColumns(offset);
            offset += name.length() + 1;
            boolean known = name.equals("http/1.1") || name.equals("h2");
            if (known && (bind || name.equals("h2") == h2)) {
                names.add(name);
            } else if (known) {
                reader.error(at, "ALPN '" + name + "' to a server " + (h2
                        ? "with 'proto: h2': it speaks HTTP/2 only (use alpn h2)"
                        : "needs 'proto: h2' on it: without it the server is reached over HTTP/1.1 (use alpn"
                        + " http/1.1)"));
                ok = false;
            } else {
                reader.error(at, "unknown ALPN protocol '" + name + "'"
                        + Suggestions.hint(name, List.of("http/1.1", "h2"), "known protocols"));
                ok = false;
            }
        }
        return ok ? List.copyOf(names) : null;
    }

    /** The bind's TLS, null for a plain bind; {@code ok} false (and errors recorded) when the words are unusable. */
    BindTls result() {
        if (tls == null) {
            if (firstWord != null) {
                reader.error(firstWord, "'" + firstWordName + "' needs 'tls' on the bind line");
            }
            return null;
        }
        if (certificates.isEmpty()) {
            reader.error(tls, "'tls' needs a certificate: add 'crt FILE' (a PEM with key and chain) or 'crt DIR'");
            usable = false;
        }
        return new BindTls(List.copyOf(certificates), alpn.isEmpty() ? List.of("http/1.1") : List.copyOf(alpn),
                minVersion, ciphers, ciphersuites, tls);
    }

    /** False when a word had an error, or words other than {@code tls} came without it. */
    boolean ok() {
        return usable && (tls != null || firstWord == null);
    }

    /**
     * A server's {@code ssl} block (verify required unless {@code verify: none}), or null when it is unusable. An
     * HTTP/2 server ({@code h2}) is offered ALPN {@code h2} when the block names none, as TLS servers of HTTP/2
     * (gRPC's among them) require.
     */
    ServerTls server(Block ssl, boolean h2) {
        String verify = ssl.string("verify");
        boolean ok = true;
        if (verify != null && !VERIFY.contains(verify)) {
            reader.error(ssl.value("verify"), "unknown verify '" + verify + "'" + Suggestions.hint(verify, VERIFY,
                    "valid values"));
            ok = false;
        }
        Located<String> ca = ssl.located("ca");
        if (ca != null && "none".equals(verify)) {
            reader.error(ssl.keyPos("ca"), "'ca' has no use with 'verify: none'");
            ok = false;
        }
        String sni = ssl.string("sni");
        List<String> names = new ArrayList<>();
        for (Located<String> item : ssl.locatedOneOrMore("alpn")) {
            List<String> some = alpnNames(item.value(), item.pos(), false, h2);
            if (some == null) {
                ok = false;
            } else {
                names.addAll(some);
            }
        }
        if (h2 && names.isEmpty()) {
            names.add("h2");
        }
        return ok ? new ServerTls(!"none".equals(verify), ca, sni, List.copyOf(names), ssl.pos()) : null;
    }
}
