package io.tandem.core.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The certificates and private key of one PEM file, as HAProxy's {@code crt} files hold them (the leaf first, then
 * its chain; the key anywhere). Keys come as PKCS#8 ({@code PRIVATE KEY}), PKCS#1 ({@code RSA PRIVATE KEY}) or
 * SEC 1 ({@code EC PRIVATE KEY}); an encrypted key is refused, since nobody could type its passphrase at start.
 */
public record PemBundle(List<X509Certificate> certificates, PrivateKey key) {
    /** Larger than any certificate bundle; a bigger file is not one. */
    private static final long MAX_BYTES = 1024 * 1024;
    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \\1-----", Pattern.DOTALL);
    private static final byte[] RSA_ALGORITHM = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86,
            (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};
    private static final byte[] EC_PUBLIC_KEY_OID = {0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02,
            0x01};

    public PemBundle {
        certificates = List.copyOf(certificates);
    }

    /** The first certificate: the one the key belongs to. */
    public X509Certificate leaf() {
        return certificates.get(0);
    }

    /** Reads {@code file}; {@code needKey} for a certificate to serve (a CA file has none). */
    public static PemBundle read(Path file, boolean needKey) throws PemException {
        String text = text(file);
        List<X509Certificate> certificates = new ArrayList<>();
        PrivateKey key = null;
        Matcher block = BLOCK.matcher(text);
        while (block.find()) {
            String type = block.group(1);
            String body = block.group(2);
            switch (type) {
                case "CERTIFICATE", "TRUSTED CERTIFICATE" -> certificates.add(certificate(file, der(file, type, body)));
                case "PRIVATE KEY" -> key = key(file, der(file, type, body));
                case "RSA PRIVATE KEY", "EC PRIVATE KEY" -> {
                    if (body.contains("ENCRYPTED")) {
                        throw encrypted(file);
                    }
                    byte[] der = der(file, type, body);
                    key = key(file, type.startsWith("RSA") ? pkcs8(RSA_ALGORITHM, der) : ecPkcs8(file, der));
                }
                case "ENCRYPTED PRIVATE KEY" -> throw encrypted(file);
                default -> {
                    // DH or EC parameters, which some bundles carry: not needed, and harmless.
                }
            }
        }
        if (certificates.isEmpty()) {
            throw new PemException(file + ": no certificate in the file (expected -----BEGIN CERTIFICATE-----)");
        }
        if (needKey && key == null) {
            throw new PemException(file + ": no private key in the file (put the key in the same PEM as the"
                    + " certificate and its chain)");
        }
        if (key != null && !matches(key, certificates.get(0).getPublicKey())) {
            throw new PemException(file + ": the private key does not match the certificate "
                    + certificates.get(0).getSubjectX500Principal().getName() + " (the first certificate must be the one the key belongs to)");
        }
        return new PemBundle(certificates, key);
    }

    private static String text(Path file) throws PemException {
        try {
            if (Files.size(file) > MAX_BYTES) {
                throw new PemException(file + ": larger than 1 MB, not a PEM certificate file");
            }
            return new String(Files.readAllBytes(file), StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            throw new PemException(file + ": no such file");
        } catch (java.nio.file.AccessDeniedException e) {
            throw new PemException(file + ": cannot read the file (permission denied)");
        } catch (IOException e) {
            throw new PemException(file + ": cannot read the file: " + e.getMessage());
        }
    }

    private static PemException encrypted(Path file) {
        return new PemException(file + ": the private key is encrypted; decrypt it (openssl pkey -in KEY -out"
                + " KEY.plain) and protect the file by its permissions instead");
    }

    private static byte[] der(Path file, String type, String body) throws PemException {
        StringBuilder base64 = new StringBuilder();
        for (String line : body.split("\r?\n")) {
            if (!line.contains(":")) {
                base64.append(line.trim());
            }
        }
        try {
            return Base64.getDecoder().decode(base64.toString());
        } catch (IllegalArgumentException e) {
            throw new PemException(file + ": the " + type + " block is not valid base64");
        }
    }

    private static X509Certificate certificate(Path file, byte[] der) throws PemException {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(der));
        } catch (CertificateException e) {
            throw new PemException(file + ": a CERTIFICATE block is not a valid X.509 certificate");
        }
    }

    private static PrivateKey key(Path file, byte[] pkcs8) throws PemException {
        for (String algorithm : List.of("RSA", "EC", "Ed25519")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
            } catch (GeneralSecurityException e) {
                // Not this algorithm: try the next.
            }
        }
        throw new PemException(file + ": the private key is neither RSA, ECDSA nor Ed25519, or is damaged");
    }

    /** True when {@code key} signs what {@code publicKey} verifies: the two are a pair. */
    private static boolean matches(PrivateKey key, PublicKey publicKey) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            default -> key.getAlgorithm();
        };
        try {
            byte[] challenge = new byte[32];
            new SecureRandom().nextBytes(challenge);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(challenge);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /** A SEC 1 EC key wrapped as PKCS#8, naming the curve its own parameters name. */
    private static byte[] ecPkcs8(Path file, byte[] sec1) throws PemException {
        byte[] curve = Der.ecCurve(sec1);
        if (curve == null) {
            throw new PemException(file + ": the EC private key names no curve; convert it with openssl pkey -in"
                    + " KEY -out KEY.pk8");
        }
        return pkcs8(Der.sequence(EC_PUBLIC_KEY_OID, curve), sec1);
    }

    private static byte[] pkcs8(byte[] algorithm, byte[] key) {
        return Der.sequence(new byte[] {0x02, 0x01, 0x00}, algorithm, Der.tagged(0x04, key));
    }
}
