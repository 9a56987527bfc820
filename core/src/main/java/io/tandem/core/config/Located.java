package io.tandem.core.config;

/** A config value that is compiled later (ACL, rule), kept with its position so that later errors point at it. */
public record Located<T>(T value, SourcePos pos) {
}
