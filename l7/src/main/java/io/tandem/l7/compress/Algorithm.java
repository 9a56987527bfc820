package io.tandem.l7.compress;

import io.tandem.core.config.ConfigValues;

/** A compression algorithm by its HAProxy name, with the Accept-Encoding / Content-Encoding token it answers to. */
public enum Algorithm {
    /** Leaves the body as it is; chosen when nothing else is accepted and it is configured (HAProxy's debug algo). */
    IDENTITY("identity", "identity"),
    GZIP("gzip", "gzip"),
    /** The zlib format (RFC 1950). */
    DEFLATE("deflate", "deflate"),
    /** Bare deflate (RFC 1951) under the "deflate" token, which many browsers expect instead of zlib. */
    RAW_DEFLATE("raw-deflate", "deflate");

    private final String configName;
    private final String token;

    Algorithm(String configName, String token) {
        this.configName = configName;
        this.token = token;
    }

    /** The token the client names in Accept-Encoding and the response carries in Content-Encoding. */
    public String token() {
        return token;
    }

    /** The algorithm named {@code name} in the config; the loader has already rejected any other name. */
    static Algorithm named(String name) {
        Algorithm algorithm = ConfigValues.named(values(), a -> a.configName, name);
        if (algorithm == null) {
            throw new IllegalArgumentException("unknown compression algo " + name);
        }
        return algorithm;
    }
}
