package io.tandem.core.config;

import java.util.List;

/** Thrown when a config cannot be used; carries every error found, in file order. */
public final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;
    private final transient List<ConfigError> errors;

    public ConfigException(List<ConfigError> errors) {
        super(errors.size() + " error(s) in config: " + (errors.isEmpty() ? "" : errors.get(0)));
        this.errors = List.copyOf(errors);
    }

    public List<ConfigError> errors() {
        return errors;
    }
}
