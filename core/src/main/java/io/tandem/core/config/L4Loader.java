package io.tandem.core.config;

import java.util.List;

/**
 * Reads the {@code l4} block: TCP and UDP services. {@code check}, {@code servers}, {@code timeout}, the
 * {@code listen} line, {@code balance} and {@code retries} are read by {@link CommonBlocks} (over the defaults),
 * as in l7, without the HTTP-only features (balance {@code uri}/{@code hdr()}, server cookies).
 */
record L4Loader(NodeReader reader, CommonBlocks common) {
    static final List<String> L4_KEYS = List.of("services");
    static final List<String> SERVICE_KEYS = List.of("listen", "protocol", "balance", "hash-type", "send-proxy",
            "splice", "check", "servers", "timeout", "maxconn", "retries", "dataplane");

    private static final List<String> PROTOCOLS = List.of("tcp", "udp");
    private static final List<String> SEND_PROXY_VALUES = List.of("v1", "v2", "none");
    private static final List<String> DATAPLANES = List.of("userspace", "nftables", "ipvs");
    private static final String DEFAULT_DATAPLANE = "userspace";

    L4Config load(Block l4) {
        return new L4Config(common.sections(l4.names("services"), "service", SERVICE_KEYS, this::service));
    }

    /** The service, or null when it has no usable {@code listen} (every other error still gets reported). */
    private ServiceConfig service(String name, Block s) {
        String what = "service '" + name + "'";
        ServiceConfig.Protocol protocol = protocol(s);
        BindConfig listen = null;
        if (!s.has("listen")) {
            reader.error(s.pos(), what + " needs 'listen'");
        } else {
            Located<String> line = s.located("listen");
            listen = line == null ? null : common.bind(line, "listen", protocol);
        }
        int sendProxy = sendProxy(s, protocol);
        boolean splice = s.bool("splice", false);
        if (splice && protocol == ServiceConfig.Protocol.UDP) {
            reader.error(s.keyPos("splice"), "'splice' applies to tcp services only");
        }
        dataplane(s);
        ServiceConfig service = new ServiceConfig(name, listen, protocol, common.balance(s, false), sendProxy,
                splice, common.check(s), common.servers(s, what, false), common.timeouts(s),
                s.integer("maxconn", 0, CommonBlocks.MAX_CONNECTIONS, 0), common.retries(s), s.pos());
        return listen == null ? null : service;
    }

    private ServiceConfig.Protocol protocol(Block s) {
        Located<String> protocol = s.located("protocol");
        if (protocol == null) {
            return ServiceConfig.Protocol.TCP;
        }
        if (!PROTOCOLS.contains(protocol.value())) {
            reader.error(protocol.pos(), "unknown protocol '" + protocol.value() + "'"
                    + Suggestions.hint(protocol.value(), PROTOCOLS, "valid protocols"));
            return ServiceConfig.Protocol.TCP;
        }
        return protocol.value().equals("udp") ? ServiceConfig.Protocol.UDP : ServiceConfig.Protocol.TCP;
    }

    /** 0 for none, else the PROXY protocol version sent to the servers; TCP only. */
    private int sendProxy(Block s, ServiceConfig.Protocol protocol) {
        Located<String> spec = s.located("send-proxy");
        if (spec == null) {
            return 0;
        }
        int version = switch (spec.value()) {
            case "none" -> 0;
            case "v1" -> 1;
            case "v2" -> 2;
            default -> {
                reader.error(spec.pos(), "unknown send-proxy '" + spec.value() + "'"
                        + Suggestions.hint(spec.value(), SEND_PROXY_VALUES, "valid values"));
                yield 0;
            }
        };
        if (version > 0 && protocol == ServiceConfig.Protocol.UDP) {
            reader.error(s.keyPos("send-proxy"), "'send-proxy' applies to tcp services only");
            return 0;
        }
        return version;
    }

    /** Only the userspace dataplane exists today; the kernel ones are recognised so users get "not yet". */
    private void dataplane(Block s) {
        Located<String> dataplane = s.located("dataplane");
        if (dataplane == null || dataplane.value().equals(DEFAULT_DATAPLANE)) {
            return;
        }
        if (DATAPLANES.contains(dataplane.value())) {
            reader.error(dataplane.pos(), "dataplane '" + dataplane.value() + "' is not supported yet");
        } else {
            reader.error(dataplane.pos(), "unknown dataplane '" + dataplane.value() + "'"
                    + Suggestions.hint(dataplane.value(), DATAPLANES, "valid dataplanes"));
        }
    }
}
