package io.tandem.core.config;

import java.util.List;
import java.util.Map;

/**
 * An L7 backend: its pool, balancing, health check, persistence and rules. {@code timeout} and {@code retries}
 * are already merged with the defaults. Nullable: {@code cookie}, {@code check}, {@code stickTable},
 * {@code stickOn}, {@code compression}.
 */
public record BackendConfig(String name, BalanceConfig balance, CookieConfig cookie, CheckConfig check,
                            List<ServerConfig> servers, Map<String, Located<String>> acls,
                            List<Located<String>> httpRequest, List<Located<String>> httpResponse,
                            Timeouts timeout, int retries, StickTableConfig stickTable, Located<String> stickOn,
                            CompressionConfig compression,
                            SourcePos pos) {
}
