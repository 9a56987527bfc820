package io.tandem.cluster;

import javax.crypto.Mac;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;

/**
 * The keys a cluster secret gives, each derived with HKDF-SHA256 (RFC 5869) under its own label and the cluster's
 * name, so that one secret yields unrelated keys for encryption and for authentication, and two clusters sharing a
 * secret by mistake still cannot read each other.
 */
record ClusterKeys(SecretKey encryption, byte[] authentication) {

    private static final int KEY_BYTES = 32;

    static ClusterKeys derive(String secret, String clusterName) {
        byte[] ikm = secret.getBytes(StandardCharsets.UTF_8);
        byte[] salt = ("tandem cluster " + clusterName).getBytes(StandardCharsets.UTF_8);
        byte[] prk = hmac(salt, ikm);
        return new ClusterKeys(new SecretKeySpec(expand(prk, "encryption"), "AES"), expand(prk, "authentication"));
    }

    /** HKDF-Expand for one block: {@code T(1) = HMAC(prk, info || 0x01)}, which is all 32 bytes need. */
    private static byte[] expand(byte[] prk, String info) {
        byte[] label = ("tandem/" + info).getBytes(StandardCharsets.UTF_8);
        byte[] input = Arrays.copyOf(label, label.length + 1);
        input[label.length] = 1;
        return Arrays.copyOf(hmac(prk, input), KEY_BYTES);
    }

    static byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JDK", e);
        }
    }
}
