package io.tandem.core.tls;

import java.io.ByteArrayOutputStream;

/** The little DER that wrapping PKCS#1 and SEC 1 keys as PKCS#8 needs: building sequences, finding a key's curve. */
final class Der {
    private Der() {
    }

    static byte[] sequence(byte[]... parts) {
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            content.writeBytes(part);
        }
        return tagged(0x30, content.toByteArray());
    }

    static byte[] tagged(int tag, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(tag);
        int length = content.length;
        if (length < 0x80) {
            out.write(length);
        } else {
            int bytes = length > 0xffffff ? 4 : length > 0xffff ? 3 : length > 0xff ? 2 : 1;
            out.write(0x80 | bytes);
            for (int i = bytes - 1; i >= 0; i--) {
                out.write(length >>> (8 * i) & 0xff);
            }
        }
        out.writeBytes(content);
        return out.toByteArray();
    }

    /**
     * The curve OID (tag and all) of a SEC 1 {@code ECPrivateKey}: SEQUENCE { version, privateKey, [0] parameters,
     * [1] publicKey }; null when it has none or is not that structure.
     */
    static byte[] ecCurve(byte[] sec1) {
        int[] at = {0};
        if (!enter(sec1, at, 0x30)) {
            return null;
        }
        while (at[0] < sec1.length) {
            int tag = sec1[at[0]] & 0xff;
            int start = at[0];
            int length = header(sec1, at);
            if (length < 0) {
                return null;
            }
            if (tag == 0xa0) {
                int oidStart = at[0];
                int[] inner = {oidStart};
                int oidLength = header(sec1, inner);
                if (oidLength < 0 || (sec1[oidStart] & 0xff) != 0x06) {
                    return null;
                }
                byte[] oid = new byte[inner[0] - oidStart + oidLength];
                System.arraycopy(sec1, oidStart, oid, 0, oid.length);
                return oid;
            }
            at[0] += length;
            if (at[0] <= start) {
                return null;
            }
        }
        return null;
    }

    private static boolean enter(byte[] der, int[] at, int tag) {
        return der.length > 0 && (der[0] & 0xff) == tag && header(der, at) >= 0;
    }

    /** Reads the tag and length at {@code at[0]}, leaves {@code at[0]} on the content; -1 when malformed. */
    private static int header(byte[] der, int[] at) {
        int i = at[0] + 1;
        if (i >= der.length) {
            return -1;
        }
        int length = der[i++] & 0xff;
        if (length >= 0x80) {
            int bytes = length & 0x7f;
            if (bytes == 0 || bytes > 3 || i + bytes > der.length) {
                return -1;
            }
            length = 0;
            for (int k = 0; k < bytes; k++) {
                length = length << 8 | der[i++] & 0xff;
            }
        }
        if (i + length > der.length) {
            return -1;
        }
        at[0] = i;
        return length;
    }
}
