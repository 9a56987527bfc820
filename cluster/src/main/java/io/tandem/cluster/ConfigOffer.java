package io.tandem.cluster;

import io.tandem.core.config.ConfigVersion;

/**
 * The shared config sections a node sends its peers after a reload ({@code share: config}): their version, the
 * sender's file name (what the peer's errors are placed in) and the text, the file with every node-local line
 * blanked (see {@link io.tandem.core.config.SharedConfig#sentText}).
 */
public record ConfigOffer(ConfigVersion version, String source, String text) {
}
