package io.tandem.l4;

import io.tandem.core.balance.Server;
import io.tandem.core.health.CheckTarget;
import io.tandem.core.health.ServerStateListener;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/** The compiled {@code l4} block: services by name, in file order. What the L4 data path runs on. */
public record L4Snapshot(Map<String, ServiceRuntime> services) {

    /** No L4 services. */
    public static final L4Snapshot EMPTY = new L4Snapshot(Map.of());

    /**
     * Every server of a service that has a {@code check} (TCP or UDP service alike: the check is TCP or HTTP on
     * the server's address), with the service's {@code timeout connect}.
     */
    public List<CheckTarget> checkTargets() {
        List<CheckTarget> targets = new ArrayList<>();
        for (ServiceRuntime service : services.values()) {
            if (service.config().check() != null) {
                for (Server server : service.servers()) {
                    targets.add(new CheckTarget(server, service.config().check(), service.timeouts().connect()));
                }
            }
        }
        return targets;
    }

    /**
     * Tells a server's pool about its health transitions, so queued connections move at once. Servers are matched
     * by identity, so an L7 backend of the same name is never confused with a service.
     */
    public ServerStateListener poolNotifier() {
        Map<Server, ServiceRuntime> byServer = new IdentityHashMap<>();
        for (ServiceRuntime service : services.values()) {
            for (Server server : service.servers()) {
                byServer.put(server, service);
            }
        }
        return (server, up, reason) -> {
            ServiceRuntime service = byServer.get(server);
            if (service != null) {
                service.pool().serverStateChanged(server);
            }
        };
    }

    /** The service named {@code name}, or null. */
    public ServiceRuntime service(String name) {
        return services.get(name);
    }
}
