package io.tandem.core.config;

/**
 * The version of the shared config sections a node runs ({@code share: config}): {@code hash}, the short SHA-256
 * of those sections' YAML ({@link SharedConfig#hash}), and {@code serial}, a counter that each reload sent to the
 * pair raises above every serial either node has seen. Two nodes run the same shared config when their hashes are
 * equal; the serial says which sent config is newer. Printed {@code 3f2a9c1e0b7d#8}.
 */
public record ConfigVersion(String hash, long serial) {

    /**
     * Whether this version, run by {@code node}, wins over {@code other}, run by {@code otherNode}: another hash
     * and a higher serial, or the same serial (both nodes reloaded while cut off from each other) and a node name
     * that sorts after the other's, as a tie between two admin changes is broken. Both nodes decide alike, so of
     * two different configs exactly one wins.
     */
    public boolean newerThan(String node, ConfigVersion other, String otherNode) {
        if (hash.equals(other.hash())) {
            return false;
        }
        return serial > other.serial() || (serial == other.serial() && node.compareTo(otherNode) > 0);
    }

    @Override
    public String toString() {
        return hash + "#" + serial;
    }
}
