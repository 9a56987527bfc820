package io.tandem.core.config;

import java.util.Map;

/** The {@code l4} block: services by name, in file order. */
public record L4Config(Map<String, ServiceConfig> services) {

    /** No L4 services. */
    public static final L4Config EMPTY = new L4Config(Map.of());
}
