package io.tandem.core.config;

import java.util.List;
import java.util.Map;

/**
 * An L7 frontend. ACLs and rules are kept as located text; the L7 module compiles them and reports errors at
 * their position. {@code timeout} and {@code forwardfor} are already merged with the defaults.
 * {@code stickTable} and {@code compression} are null when the frontend has none.
 */
public record FrontendConfig(String name, List<BindConfig> binds, Map<String, Located<String>> acls,
                             List<Located<String>> httpRequest, List<Located<String>> httpResponse,
                             List<Located<String>> useBackend, Located<String> defaultBackend,
                             Timeouts timeout, ForwardFor forwardfor, StickTableConfig stickTable,
                             CompressionConfig compression,
                             SourcePos pos) {
}
