package io.tandem.l4;

import io.tandem.core.config.BalanceConfig;
import io.tandem.core.config.BindConfig;
import io.tandem.core.config.CheckConfig;
import io.tandem.core.config.ConfigError;
import io.tandem.core.config.HostPort;
import io.tandem.core.config.L4Config;
import io.tandem.core.config.ServerConfig;
import io.tandem.core.config.ServiceConfig;
import io.tandem.core.config.SourcePos;
import io.tandem.core.config.Timeouts;
import io.tandem.core.net.EventLoops;
import io.tandem.core.state.Recompile;
import io.tandem.core.state.RuntimeState;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Builds {@link ServiceConfig} records the way the YAML loader will, for tests: a service on 127.0.0.1, port 0
 * (the kernel picks; {@link Running#address} tells which), servers on loopback ports.
 */
final class TestServices {
    static final SourcePos POS = new SourcePos("test.yaml", 1, 1);

    private String name = "svc";
    private ServiceConfig.Protocol protocol = ServiceConfig.Protocol.TCP;
    private BalanceConfig.Algorithm balance = BalanceConfig.Algorithm.ROUNDROBIN;
    private boolean acceptProxy;
    private int sendProxy;
    private boolean splice;
    private String listenHost = "127.0.0.1";
    private int listenPort;
    private CheckConfig check;
    private final List<ServerConfig> servers = new ArrayList<>();
    private Timeouts timeouts = Timeouts.UNSET;
    private int maxconn;
    private int retries = 3;

    static TestServices tcp() {
        return new TestServices();
    }

    static TestServices udp() {
        TestServices s = new TestServices();
        s.protocol = ServiceConfig.Protocol.UDP;
        return s;
    }

    TestServices name(String value) {
        name = value;
        return this;
    }

    TestServices balance(BalanceConfig.Algorithm value) {
        balance = value;
        return this;
    }

    TestServices acceptProxy() {
        acceptProxy = true;
        return this;
    }

    TestServices listenHost(String host) {
        listenHost = host;
        return this;
    }

    /** Listens on {@code port} (default 0: any free port). */
    TestServices listenPort(int port) {
        listenPort = port;
        return this;
    }

    TestServices splice(boolean value) {
        splice = value;
        return this;
    }

    TestServices sendProxy(int version) {
        sendProxy = version;
        return this;
    }

    TestServices check(CheckConfig value) {
        check = value;
        return this;
    }

    TestServices server(String serverName, int port) {
        return server(serverName, "127.0.0.1", port, 0);
    }

    TestServices server(String serverName, String host, int port, int serverMaxconn) {
        servers.add(new ServerConfig(serverName, new HostPort(host, port), 1, false, serverMaxconn, null, POS));
        return this;
    }

    TestServices timeouts(Timeouts value) {
        timeouts = value;
        return this;
    }

    TestServices maxconn(int value) {
        maxconn = value;
        return this;
    }

    TestServices retries(int value) {
        retries = value;
        return this;
    }

    ServiceConfig config() {
        return new ServiceConfig(name, new BindConfig(new HostPort(listenHost, listenPort), acceptProxy, POS), protocol,
                new BalanceConfig(balance, null, false), sendProxy, splice, check, List.copyOf(servers), timeouts, maxconn, retries, POS);
    }

    /** Compiles and starts this one service (no errors allowed). */
    Running start(EventLoops loops) throws IOException {
        return start(loops, config());
    }

    static Running start(EventLoops loops, ServiceConfig... configs) throws IOException {
        Map<String, ServiceConfig> map = new LinkedHashMap<>();
        for (ServiceConfig c : configs) {
            map.put(c.name(), c);
        }
        List<ConfigError> errors = new ArrayList<>();
        RuntimeState state = new RuntimeState(loops);
        Recompile compile = state.recompile();
        L4Snapshot snapshot = L4Compiler.compile(new L4Config(map), errors, compile);
        assertEquals(List.of(), errors);
        compile.commit();
        L4Services services = new L4Services(snapshot, 0, loops);
        try {
            services.start();
        } catch (IOException | RuntimeException e) {
            state.close();
            throw e;
        }
        return new Running(state, services, configs[0].name());
    }

    /** Timeouts with the given values set, the rest inherited from the built-in ones. */
    static Timeouts timeouts(Duration connect, Duration client, Duration tunnel, Duration queue) {
        return new Timeouts(connect, client, null, null, null, tunnel, queue);
    }

    /** A started service, its runtime and the runtime state it was compiled against (health checks running). */
    record Running(RuntimeState state, L4Services services, String name) implements AutoCloseable {
        InetSocketAddress address() {
            return services.localAddress(name);
        }

        ServiceRuntime runtime() {
            return services.snapshot().service(name);
        }

        @Override
        public void close() {
            services.close();
            state.close();
        }
    }
}
