package io.tandem.core.config;

import java.util.Map;

/** The {@code l7} block: frontends and backends by name, in file order. */
public record L7Config(Map<String, FrontendConfig> frontends, Map<String, BackendConfig> backends) {
}
