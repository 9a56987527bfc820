package io.tandem.core.config;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * What loading a config produced: the config, built best-effort even when there are errors (bad values
 * replaced by their defaults, bad servers and binds dropped) so later stages can add their own errors, and
 * every error sorted by position. {@code config} is null only when the file is unreadable or not YAML.
 */
public record LoadResult(TandemConfig config, List<ConfigError> errors) {
    private static final Comparator<ConfigError> BY_POSITION = Comparator
            .comparingInt((ConfigError e) -> e.pos().line()).thenComparingInt(e -> e.pos().column());

    public LoadResult {
        List<ConfigError> sorted = new ArrayList<>(errors);
        sorted.sort(BY_POSITION);
        errors = List.copyOf(sorted);
    }

    /** True when the config exists and has no errors. */
    public boolean ok() {
        return config != null && errors.isEmpty();
    }

    /** The config when it has no errors; otherwise throws with every error. */
    public TandemConfig orThrow() throws ConfigException {
        if (!ok()) {
            throw new ConfigException(errors);
        }
        return config;
    }

    /** This result with errors found by a later stage (such as ACL compilation) added in position order. */
    public LoadResult withErrors(List<ConfigError> more) {
        List<ConfigError> all = new ArrayList<>(errors);
        all.addAll(more);
        return new LoadResult(config, all);
    }
}
