package io.tandem.l7.tls;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandler;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.DomainWildcardMappingBuilder;
import io.netty.util.Mapping;
import io.tandem.core.config.BindTls;
import io.tandem.core.config.ConfigError;
import io.tandem.core.config.Located;
import io.tandem.core.tls.PemBundle;
import io.tandem.core.tls.PemException;
import io.tandem.core.tls.TlsLibrary;

import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The TLS side of one bind, compiled: a context per certificate (its key, chain, protocols, ciphers and ALPN), chosen
 * per connection by the client's SNI among each certificate's DNS names (exact, or {@code *.example.com}), the
 * first certificate for clients that name no known host. Built on the control path; a connection only looks its
 * name up.
 */
public final class TlsTerminator {
    /** How long a ticket stays valid: the rotation period, so a ticket outlives at most one rotation. */
    public static final long SESSION_TIMEOUT_SECONDS = 3600;

    private final Mapping<String, SslContext> mapping;
    private final List<SslContext> contexts;
    private final List<String> alpn;
    private final List<ConfigError> warnings;

    private TlsTerminator(Mapping<String, SslContext> mapping, List<SslContext> contexts, List<String> alpn,
                          List<ConfigError> warnings) {
        this.mapping = mapping;
        this.contexts = List.copyOf(contexts);
        this.alpn = alpn;
        this.warnings = List.copyOf(warnings);
    }

    /** Reads every certificate of {@code tls}; null, with every problem in {@code errors}, when one is unusable. */
    public static TlsTerminator compile(BindTls tls, List<ConfigError> errors) {
        int before = errors.size();
        List<String> ciphers = TlsCiphers.compile(tls.ciphers(), tls.ciphersuites(), errors);
        List<String> protocols = tls.minVersion().equals("TLSv1.3") ? List.of("TLSv1.3")
                : List.of("TLSv1.3", "TLSv1.2");
        List<ConfigError> warnings = new ArrayList<>();
        List<SslContext> contexts = new ArrayList<>();
        DomainWildcardMappingBuilder<SslContext> names = null;
        Set<String> taken = new HashSet<>();
        for (Located<String> crt : tls.certificates()) {
            for (Path file : files(crt, errors)) {
                PemBundle bundle;
                try {
                    bundle = PemBundle.read(file, true);
                } catch (PemException e) {
                    errors.add(new ConfigError(crt.pos(), "crt " + e.getMessage()));
                    continue;
                }
                validity(bundle.leaf(), file, crt, warnings);
                if (ciphers == null) {
                    continue;
                }
                SslContext context = context(bundle, protocols, ciphers, tls.alpn(), file, crt, errors);
                if (context == null) {
                    continue;
                }
                contexts.add(context);
                if (names == null) {
                    names = new DomainWildcardMappingBuilder<>(context);
                }
                for (String name : names(bundle.leaf())) {
                    // The first certificate listed that carries a name serves it.
                    if (taken.add(name)) {
                        names.add(name, context);
                    }
                }
            }
        }
        if (errors.size() > before || names == null) {
            return null;
        }
        return new TlsTerminator(names.build(), contexts, tls.alpn(), warnings);
    }

    /** The TLS contexts, one per certificate, for the ticket keys. */
    public List<SslContext> contexts() {
        return contexts;
    }

    /** The protocols offered by ALPN, most preferred first. */
    public List<String> alpn() {
        return alpn;
    }

    /** What works but deserves a look: certificates expired or not valid yet. */
    public List<ConfigError> warnings() {
        return warnings;
    }

    /**
     * The handler that reads a new connection's ClientHello, picks the certificate and then does the handshake:
     * both halves are bounded by {@code timeoutMillis}, and a client that sends nothing (or not TLS) is closed.
     */
    public ChannelHandler newHandler(long timeoutMillis) {
        return new SniHandler(mapping, timeoutMillis) {
            @Override
            protected SslHandler newSslHandler(SslContext context, ByteBufAllocator allocator) {
                SslHandler handler = super.newSslHandler(context, allocator);
                handler.setHandshakeTimeoutMillis(timeoutMillis);
                return handler;
            }
        };
    }

    private static List<Path> files(Located<String> crt, List<ConfigError> errors) {
        Path path = Path.of(crt.pos().file()).resolveSibling(crt.value());
        if (!Files.isDirectory(path)) {
            return List.of(path);
        }
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> pems = Files.newDirectoryStream(path, "*.pem")) {
            pems.forEach(files::add);
        } catch (IOException e) {
            errors.add(new ConfigError(crt.pos(), "crt " + path + ": cannot list the directory: " + e.getMessage()));
            return List.of();
        }
        if (files.isEmpty()) {
            errors.add(new ConfigError(crt.pos(), "crt " + path + ": no *.pem file in the directory"));
        }
        files.sort(null);
        return files;
    }

    private static void validity(X509Certificate leaf, Path file, Located<String> crt, List<ConfigError> warnings) {
        Instant now = Instant.now();
        String subject = leaf.getSubjectX500Principal().getName();
        if (leaf.getNotAfter().toInstant().isBefore(now)) {
            warnings.add(new ConfigError(crt.pos(), "warning: crt " + file + ": certificate " + subject
                    + " expired on " + leaf.getNotAfter().toInstant() + " (clients will refuse it: renew it)"));
        } else if (leaf.getNotBefore().toInstant().isAfter(now)) {
            warnings.add(new ConfigError(crt.pos(), "warning: crt " + file + ": certificate " + subject
                    + " is not valid before " + leaf.getNotBefore().toInstant() + " (is the clock right?)"));
        }
    }

    private static SslContext context(PemBundle bundle, List<String> protocols, List<String> ciphers,
                                      List<String> alpn, Path file, Located<String> crt, List<ConfigError> errors) {
        try {
            return SslContextBuilder.forServer(bundle.key(), bundle.certificates())
                    .sslProvider(TlsLibrary.provider())
                    .protocols(protocols)
                    .ciphers(ciphers)
                    .sessionTimeout(SESSION_TIMEOUT_SECONDS)
                    .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, alpn))
                    .build();
        } catch (SSLException | RuntimeException e) {
            errors.add(new ConfigError(crt.pos(), "crt " + file + ": cannot use the certificate: " + e.getMessage()));
            return null;
        }
    }

    /** The certificate's DNS names (subjectAltName), or its CN when it has none, in lower case. */
    static List<String> names(X509Certificate certificate) {
        List<String> names = new ArrayList<>();
        try {
            Collection<List<?>> alternatives = certificate.getSubjectAlternativeNames();
            if (alternatives != null) {
                for (List<?> alternative : alternatives) {
                    if (Integer.valueOf(2).equals(alternative.get(0))) {
                        names.add(((String) alternative.get(1)).toLowerCase(Locale.ROOT));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            // An unreadable extension: fall back to the CN.
        }
        if (names.isEmpty()) {
            try {
                for (Rdn rdn : new LdapName(certificate.getSubjectX500Principal().getName()).getRdns()) {
                    if (rdn.getType().equalsIgnoreCase("CN")) {
                        names.add(rdn.getValue().toString().toLowerCase(Locale.ROOT));
                    }
                }
            } catch (InvalidNameException e) {
                // No usable subject: the certificate is served as a default only.
            }
        }
        return names;
    }
}
