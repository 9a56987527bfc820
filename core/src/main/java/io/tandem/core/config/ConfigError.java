package io.tandem.core.config;

/** One problem found in a config file, printed as {@code FILE:LINE:COL: message}. */
public record ConfigError(SourcePos pos, String message) {

    @Override
    public String toString() {
        return pos + ": " + message;
    }
}
