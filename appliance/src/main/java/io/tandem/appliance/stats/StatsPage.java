package io.tandem.appliance.stats;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The stats page: one self-contained HTML document (its CSS and script inline, no external asset) shipped in the
 * jar and read once at startup, so serving it never touches a file.
 */
final class StatsPage {
    private static final String RESOURCE = "stats.html";

    private final byte[] html;

    private StatsPage(byte[] html) {
        this.html = html;
    }

    static StatsPage load() {
        try (InputStream in = StatsPage.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the jar");
            }
            return new StatsPage(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE + " from the jar", e);
        }
    }

    /** The page's bytes (UTF-8); not to be modified. */
    byte[] html() {
        return html;
    }
}
