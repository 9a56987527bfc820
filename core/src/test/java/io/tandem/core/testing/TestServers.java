package io.tandem.core.testing;

import io.tandem.core.balance.Server;
import io.tandem.core.config.HostPort;
import io.tandem.core.config.ServerConfig;
import io.tandem.core.config.SourcePos;

/** Builds {@link Server}s for tests without a config file; addresses default to an unused loopback port. */
public final class TestServers {
    private static final SourcePos TEST_POS = new SourcePos("test", 1, 1);

    private TestServers() {
    }

    /** An active server of weight 1, no maxconn, no cookie, in backend {@code test}. */
    public static Server server(String name) {
        return server(name, 1);
    }

    /** An active server of {@code weight}, no maxconn. */
    public static Server server(String name, int weight) {
        return server("test", name, new HostPort("127.0.0.1", 1), weight, false, 0, null);
    }

    /** A backup server of weight 1. */
    public static Server backup(String name) {
        return server("test", name, new HostPort("127.0.0.1", 1), 1, true, 0, null);
    }

    /** An active server of weight 1 limited to {@code maxconn} concurrent connections. */
    public static Server limited(String name, int maxconn) {
        return server("test", name, new HostPort("127.0.0.1", 1), 1, false, maxconn, null);
    }

    /** An active server of weight 1 pointing at {@code port} on loopback, e.g. a {@link TestHttpBackend}. */
    public static Server atPort(String backend, String name, int port) {
        return server(backend, name, new HostPort("127.0.0.1", port), 1, false, 0, null);
    }

    /** A server with every setting given. */
    public static Server server(String backend, String name, HostPort address, int weight, boolean backup,
                                int maxconn, String cookie) {
        return new Server(backend, new ServerConfig(name, address, weight, backup, maxconn, cookie, TEST_POS));
    }
}
