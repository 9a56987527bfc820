package io.tandem.l7.proxy;

import java.util.Map;

/** An immutable, compiled L7 configuration: what the data path reads. Frontends and backends by name. */
public record L7Snapshot(Map<String, FrontendRuntime> frontends, Map<String, BackendRuntime> backends) {
}
