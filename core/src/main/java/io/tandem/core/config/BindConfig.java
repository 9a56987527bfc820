package io.tandem.core.config;

/** One {@code bind} line of a frontend: the address and its options; {@code tls} null on a plain-text bind. */
public record BindConfig(HostPort address, boolean acceptProxy, BindTls tls, SourcePos pos) {

    /** A plain-text bind. */
    public BindConfig(HostPort address, boolean acceptProxy, SourcePos pos) {
        this(address, acceptProxy, null, pos);
    }
}
