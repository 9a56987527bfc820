package io.tandem.core.config;

/**
 * The version of the shared config sections a node runs ({@code share: config}): {@code hash}, the short SHA-256
 * of those sections' YAML ({@link SharedConfig#hash}), and {@code serial}, a counter that each reload sent to the
 * pair raises above every serial either node has seen. Two nodes run the same shared config when their hashes are
 * equal; the serial says which sent config is newer. Printed {@code 3f2a9c1e0b7d#8}.
 */
public record ConfigVersion(String hash, long serial) {

    @Override
    public String toString() {
        return hash + "#" + serial;
    }
}
