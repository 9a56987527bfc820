package io.tandem.core.config;

/**
 * One {@code bind} line of a frontend: the address and its options; {@code tls} null on a plain-text bind; {@code h2}
 * for {@code proto h2} (HTTP/2 from the first byte: h2c with prior knowledge, or h2 over TLS without ALPN).
 */
public record BindConfig(HostPort address, boolean acceptProxy, BindTls tls, boolean h2, SourcePos pos) {

    /** A plain-text HTTP/1 bind. */
    public BindConfig(HostPort address, boolean acceptProxy, SourcePos pos) {
        this(address, acceptProxy, null, false, pos);
    }
}
