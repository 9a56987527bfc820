package io.tandem.l7.tls;

import io.netty.handler.ssl.CipherSuiteConverter;
import io.netty.handler.ssl.OpenSsl;
import io.tandem.core.config.ConfigError;
import io.tandem.core.config.Located;
import io.tandem.core.tls.TlsLibrary;

import javax.net.ssl.SSLContext;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * The cipher lists of a bind, in OpenSSL's colon-separated names as HAProxy takes them: {@code ciphers} for TLS 1.2,
 * {@code ciphersuites} for TLS 1.3, each name checked against what the TLS library offers. The defaults are
 * Mozilla's "intermediate" profile (its DHE suites left out: BoringSSL has none).
 */
final class TlsCiphers {
    static final String DEFAULT_TLS12 = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
            + "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:"
            + "ECDHE-RSA-CHACHA20-POLY1305";
    static final String DEFAULT_TLS13 = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";
    private static final Set<String> TLS13 = Set.of(DEFAULT_TLS13.split(":"));

    private TlsCiphers() {
    }

    /** Both lists as one, TLS 1.3 suites first, named as the library takes them; null after reporting a bad name. */
    static List<String> compile(Located<String> ciphers, Located<String> ciphersuites, List<ConfigError> errors) {
        List<String> tls12 = names(ciphers, DEFAULT_TLS12, false, errors);
        List<String> tls13 = names(ciphersuites, DEFAULT_TLS13, true, errors);
        if (tls12 == null || tls13 == null) {
            return null;
        }
        if (ciphersuites != null && TlsLibrary.boringSsl() && !Set.copyOf(tls13).equals(TLS13)) {
            errors.add(new ConfigError(ciphersuites.pos(), "ciphersuites: BoringSSL always offers its three TLS 1.3"
                    + " suites (" + DEFAULT_TLS13.replace(':', ' ') + "); leave ciphersuites out"
                    + " (ciphers limits the TLS 1.2 suites)"));
            return null;
        }
        List<String> all = new ArrayList<>(tls13);
        for (String name : tls12) {
            // The JDK knows suites by their IANA names only.
            all.add(TlsLibrary.openSsl() ? name : CipherSuiteConverter.toJava(name, "TLS"));
        }
        return all;
    }

    private static List<String> names(Located<String> list, String fallback, boolean tls13, List<ConfigError> errors) {
        if (list == null) {
            return List.of(fallback.split(":"));
        }
        List<String> names = new ArrayList<>();
        int offset = 0;
        boolean ok = true;
        String word = tls13 ? "ciphersuites" : "ciphers";
        for (String name : list.value().split(":", -1)) {
            if (tls13 ? !TLS13.contains(name) : !available(name) || name.startsWith("TLS_")) {
                String hint = tls13 ? " (TLS 1.3 suites: " + DEFAULT_TLS13.replace(':', ' ') + ")"
                        : " (OpenSSL names for TLS 1.2, e.g. ECDHE-RSA-AES128-GCM-SHA256; TLS 1.3 suites go in"
                        + " ciphersuites)";
                errors.add(new ConfigError(list.pos().plusColumns(offset), "unknown cipher '" + name + "' in "
                        + word + hint));
                ok = false;
            } else {
                names.add(name);
            }
            offset += name.length() + 1;
        }
        return ok ? names : null;
    }

    private static boolean available(String openSslName) {
        if (TlsLibrary.openSsl()) {
            return OpenSsl.isCipherSuiteAvailable(openSslName);
        }
        String java = CipherSuiteConverter.toJava(openSslName, "TLS");
        try {
            return java != null && Arrays.asList(SSLContext.getDefault().getSupportedSSLParameters()
                    .getCipherSuites()).contains(java);
        } catch (NoSuchAlgorithmException e) {
            return false;
        }
    }
}
