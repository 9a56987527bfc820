package io.tandem.core.config;

import java.util.List;

/**
 * The TLS words of a bind line: {@code tls crt FILE|DIR [crt ...] [alpn LIST] [min-version V] [ciphers LIST]
 * [ciphersuites LIST]}. {@code certificates} in order (the first is the default for clients whose SNI names none);
 * {@code alpn} the protocols offered, most preferred first; {@code ciphers} (TLS 1.2) and {@code ciphersuites}
 * (TLS 1.3) null for the defaults. Files are read, and ciphers checked, when the l7 config is compiled.
 */
public record BindTls(List<Located<String>> certificates, List<String> alpn, String minVersion,
                      Located<String> ciphers, Located<String> ciphersuites, SourcePos pos) {
    /** The lowest version accepted when {@code min-version} is not given. */
    public static final String DEFAULT_MIN_VERSION = "TLSv1.2";
}
