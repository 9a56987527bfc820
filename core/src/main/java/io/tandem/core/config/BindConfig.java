package io.tandem.core.config;

/** One {@code bind} line of a frontend: the address and its options. */
public record BindConfig(HostPort address, boolean acceptProxy, SourcePos pos) {
}
