package io.tandem.core.config;

import java.net.InetAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;

/**
 * Finds servers that send traffic back into this config's own listeners in a cycle: an L4 service whose server
 * is its own {@code listen} address, or a frontend whose backend's server is that frontend's bind. One such
 * connection opens another through the loop until {@code maxconn}. An L4 service in front of an L7 frontend is
 * the two-tier setup and is not a loop; only a path that comes back to where it started is.
 *
 * <p>A server reaches a listener on the same port and transport when it has the listener's host, or when the
 * listener is a wildcard and the server is a loopback address ({@code *} and {@code 0.0.0.0} take IPv4 only;
 * {@code ::} takes both families, as on Linux by default). Other addresses of this host are not known here.
 */
final class ServerLoops {
    /** A frontend or service, and the servers its traffic goes to. */
    private record Listener(String what, List<BindConfig> binds, ServiceConfig.Protocol protocol,
                            List<ServerConfig> servers) {
    }

    private ServerLoops() {
    }

    static void check(NodeReader reader, L7Config l7, L4Config l4) {
        List<Listener> listeners = new ArrayList<>();
        for (FrontendConfig frontend : l7.frontends().values()) {
            List<ServerConfig> servers = new ArrayList<>();
            for (String backend : backendsOf(frontend)) {
                BackendConfig config = l7.backends().get(backend);
                if (config != null) {
                    servers.addAll(config.servers());
                }
            }
            listeners.add(new Listener("frontend " + frontend.name(), frontend.binds(), ServiceConfig.Protocol.TCP,
                    servers));
        }
        for (ServiceConfig service : l4.services().values()) {
            listeners.add(new Listener("service " + service.name(), List.of(service.listen()), service.protocol(),
                    service.servers()));
        }
        for (Listener from : listeners) {
            for (ServerConfig server : from.servers()) {
                for (Listener to : listeners) {
                    BindConfig bind = reached(server, from.protocol(), to);
                    if (bind != null && leadsTo(to, from, listeners)) {
                        reader.error(server.pos(), message(server, bind, from, to));
                    }
                }
            }
        }
    }

    private static String message(ServerConfig server, BindConfig bind, Listener from, Listener to) {
        String keyword = to.what().startsWith("service") ? "listen" : "bind";
        String target = to == from ? "is " + from.what() + "'s own " + keyword + " " + bind.address()
                : "is " + keyword + " " + bind.address() + " of " + to.what() + " at " + bind.pos().lineColumn()
                + ", which leads back to " + from.what();
        return "server " + server.name() + " " + server.address() + " " + target
                + ": each connection would loop back until maxconn";
    }

    /** The backends a frontend can send a request to: each use-backend target and the default-backend. */
    private static List<String> backendsOf(FrontendConfig frontend) {
        List<String> names = new ArrayList<>();
        for (Located<String> rule : frontend.useBackend()) {
            Matcher word = CommonBlocks.WORD.matcher(rule.value());
            if (word.find()) {
                names.add(word.group());
            }
        }
        if (frontend.defaultBackend() != null) {
            names.add(frontend.defaultBackend().value());
        }
        return names;
    }

    /** True when traffic entering {@code start} can arrive at {@code goal} (or {@code start} is {@code goal}). */
    private static boolean leadsTo(Listener start, Listener goal, List<Listener> listeners) {
        Set<Listener> seen = new HashSet<>();
        Deque<Listener> pending = new ArrayDeque<>(List.of(start));
        while (!pending.isEmpty()) {
            Listener current = pending.pop();
            if (current == goal) {
                return true;
            }
            if (!seen.add(current)) {
                continue;
            }
            for (ServerConfig server : current.servers()) {
                for (Listener next : listeners) {
                    if (reached(server, current.protocol(), next) != null) {
                        pending.push(next);
                    }
                }
            }
        }
        return false;
    }

    /** The bind of {@code listener} that a server reached over {@code protocol} connects to, or null. */
    private static BindConfig reached(ServerConfig server, ServiceConfig.Protocol protocol, Listener listener) {
        if (protocol != listener.protocol()) {
            return null;
        }
        for (BindConfig bind : listener.binds()) {
            if (reaches(server.address(), bind.address())) {
                return bind;
            }
        }
        return null;
    }

    private static boolean reaches(HostPort server, HostPort bind) {
        if (server.port() != bind.port()) {
            return false;
        }
        InetAddress serverIp = ip(server.host());
        InetAddress bindIp = ip(bind.host());
        if (serverIp == null || bindIp == null) {
            return server.host().equalsIgnoreCase(bind.host());
        }
        if (serverIp.equals(bindIp)) {
            return true;
        }
        boolean ipv4Only = bind.host().equals("*") || bindIp.getAddress().length == 4;
        return bindIp.isAnyLocalAddress() && serverIp.isLoopbackAddress()
                && (!ipv4Only || serverIp.getAddress().length == 4);
    }

    /** The host as an address: literals, {@code *} as IPv4's any address, {@code localhost} as 127.0.0.1. */
    private static InetAddress ip(String host) {
        if (host.equals("*")) {
            return ConfigValues.parseIpLiteral("0.0.0.0");
        }
        if (host.equalsIgnoreCase("localhost")) {
            return ConfigValues.parseIpLiteral("127.0.0.1");
        }
        return ConfigValues.parseIpLiteral(host);
    }
}
