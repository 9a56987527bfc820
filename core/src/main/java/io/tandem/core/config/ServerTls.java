package io.tandem.core.config;

import java.util.List;
import java.util.Objects;

/**
 * A server's {@code ssl} block: TLS to the server (and its health checks). {@code verify} required checks the
 * server's chain against {@code ca} (the system's trust store when null) and, when there is a name to check
 * ({@code sni}, or the server's host name), that name; {@code sni} is the name sent, null for the host name of the
 * address (none for an IP address); {@code alpn} the protocols offered, empty for none.
 */
public record ServerTls(boolean verify, Located<String> ca, String sni, List<String> alpn, SourcePos pos) {

    /** True when {@code other} asks for the same TLS, wherever in the file it is written. */
    public boolean sameSettings(ServerTls other) {
        return other != null && verify == other.verify && Objects.equals(sni, other.sni) && alpn.equals(other.alpn)
                && Objects.equals(ca == null ? null : ca.value(), other.ca == null ? null : other.ca.value());
    }
}
