package io.tandem.core.tls;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * The TLS implementation every context is built on: BoringSSL through netty-tcnative where its native library
 * loads (faster handshakes, session-ticket keys we set), the JDK's otherwise.
 */
public final class TlsLibrary {
    private static final String TCNATIVE_POM =
            "/META-INF/maven/io.netty/netty-tcnative-boringssl-static/pom.properties";

    private TlsLibrary() {
    }

    public static SslProvider provider() {
        return OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
    }

    /** True when contexts run on BoringSSL/OpenSSL (ticket keys and cipher names then come from it). */
    public static boolean openSsl() {
        return provider() == SslProvider.OPENSSL;
    }

    /** True when the native library is BoringSSL, whose TLS 1.3 suites are fixed. */
    public static boolean boringSsl() {
        return openSsl() && OpenSsl.versionString().startsWith("BoringSSL");
    }

    /** For the startup log: {@code BoringSSL (netty-tcnative 2.0.84)}, or {@code JDK TLS} and why. */
    public static String describe() {
        if (!openSsl()) {
            Throwable cause = OpenSsl.unavailabilityCause();
            return "JDK TLS" + (cause == null ? "" : " (netty-tcnative did not load: " + cause.getMessage() + ")");
        }
        String name = boringSsl() ? "BoringSSL" : OpenSsl.versionString();
        return name + " (netty-tcnative " + tcnativeVersion() + ")";
    }

    private static String tcnativeVersion() {
        try (InputStream in = TlsLibrary.class.getResourceAsStream(TCNATIVE_POM)) {
            if (in == null) {
                return "unknown version";
            }
            Properties properties = new Properties();
            properties.load(in);
            return properties.getProperty("version", "unknown version").replace(".Final", "");
        } catch (IOException e) {
            return "unknown version";
        }
    }
}
