package io.tandem.appliance.setup;

import java.security.SecureRandom;
import java.util.Base64;

/**
 * The pair's shared secret: 32 random bytes, written as base64 (44 characters). Generated on the first node,
 * shown once and typed on the second; the cluster will authenticate and encrypt with it.
 */
record ClusterSecret(String text) {
    static final int BYTES = 32;
    private static final int TEXT_LENGTH = 44;

    static ClusterSecret generate(SecureRandom random) {
        byte[] bytes = new byte[BYTES];
        random.nextBytes(bytes);
        return new ClusterSecret(Base64.getEncoder().encodeToString(bytes));
    }

    /** The secret as typed: base64 of exactly 32 bytes, blanks inside ignored (it may be typed in groups). */
    static ClusterSecret parse(String typed) throws BadAnswer {
        String text = typed.replaceAll("\\s+", "");
        if (text.length() != TEXT_LENGTH) {
            throw new BadAnswer("the secret has " + TEXT_LENGTH + " characters (base64 of " + BYTES
                    + " bytes, as shown on the first node); this one has " + text.length());
        }
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new BadAnswer("the secret is base64 (A-Z, a-z, 0-9, + and /, ending in =), as shown on the "
                    + "first node; this one is not");
        }
        if (bytes.length != BYTES) {
            throw new BadAnswer("the secret decodes to " + bytes.length + " bytes instead of " + BYTES
                    + "; check it against the first node's");
        }
        return new ClusterSecret(text);
    }

    /** The two lines that show a new secret, the one time it is shown. */
    java.util.List<String> announcement() {
        return java.util.List.of("Cluster secret: " + text,
                "Type this secret on the second node when it asks for the cluster secret; it is shown only once.");
    }

    @Override
    public String toString() {
        return "ClusterSecret[hidden]";
    }
}
