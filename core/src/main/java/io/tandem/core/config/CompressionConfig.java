package io.tandem.core.config;

import java.util.List;

/**
 * The {@code compression} block of a frontend or backend, HAProxy's {@code compression algo|type|offload}: the
 * algorithms offered to clients in preference order (empty: the other section's), the content types compressed
 * (empty: the other section's, or every type), and whether the client's Accept-Encoding is withheld from servers.
 */
public record CompressionConfig(List<String> algos, List<String> types, boolean offload) {

    /** The algorithms Tandem implements, as HAProxy names them. */
    public static final List<String> ALGORITHMS = List.of("identity", "gzip", "deflate", "raw-deflate");
}
