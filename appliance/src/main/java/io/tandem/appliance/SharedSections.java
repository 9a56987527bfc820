package io.tandem.appliance;

import io.tandem.core.config.ConfigException;
import io.tandem.core.config.ConfigLoader;
import io.tandem.core.config.SharedConfig;

import java.nio.file.Path;

/**
 * The shared sections of the config a node runs: their hash, the version's first half, and the split text a reload
 * sends ({@code share: config}); {@link #NONE} for a daemon without a file (the demo) or a text that cannot be
 * split (a top-level flow mapping: {@code tandem check} refuses it with {@code share: config}).
 */
record SharedSections(String hash, SharedConfig config) {
    static final SharedSections NONE = new SharedSections("-", null);

    static SharedSections of(String source, String text) {
        try {
            SharedConfig config = SharedConfig.of(source, text);
            return new SharedSections(config.hash(), config);
        } catch (ConfigException e) {
            return NONE;
        }
    }

    /**
     * The sections of {@code file} as the daemon starts (null: none). Read again after the check that loaded it:
     * an edit in between gives the edited file's version, which the next reload applies anyway.
     */
    static SharedSections read(Path file) {
        if (file == null) {
            return NONE;
        }
        try {
            return of(file.toString(), ConfigLoader.text(file));
        } catch (ConfigException e) {
            return NONE;
        }
    }
}
