package io.tandem.core.balance;

/** The 64-bit string hash behind hash balancing: FNV-1a over the UTF-16 units, then a murmur3-style avalanche. */
public final class KeyHash {
    private static final long FNV_OFFSET = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;

    private KeyHash() {
    }

    /** A well-mixed 64-bit hash of {@code key}; equal strings hash equal in every process and on every node. */
    public static long hash64(CharSequence key) {
        long h = FNV_OFFSET;
        for (int i = 0; i < key.length(); i++) {
            h = (h ^ key.charAt(i)) * FNV_PRIME;
        }
        return mix(h);
    }

    /**
     * murmur3's fmix64 finaliser: FNV alone leaves similar keys (10.0.0.1, 10.0.0.2) in nearby values, which a
     * ring or a modulo would map to the same server; the avalanche spreads every input bit over the output.
     */
    public static long mix(long h) {
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }
}
