package io.tandem.appliance;

import io.tandem.l4.L4Snapshot;
import io.tandem.core.balance.Server;
import io.tandem.core.config.FrontendConfig;
import io.tandem.core.config.Located;
import io.tandem.l7.proxy.BackendRuntime;
import io.tandem.l7.proxy.L7Snapshot;
import io.tandem.vrrp.runtime.TrackedService;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What {@code vrrp.instances.*.track.services} names, as VRRP sees it: an L7 frontend is healthy while some server
 * of a backend it can route to (its default-backend and every use-backend target) is usable; an L4 service while
 * some of its servers is. Reads the immutable snapshots only, so VRRP may poll it from its own thread.
 */
final class ServiceTracking {
    private ServiceTracking() {
    }

    /** The tracked frontend or L4 service named {@code name} (a frontend first), or null when there is none. */
    static TrackedService of(L7Snapshot snapshot, L4Snapshot l4, String name) {
        TrackedService frontend = of(snapshot, name);
        if (frontend != null || l4 == null || l4.service(name) == null) {
            return frontend;
        }
        List<Server> servers = l4.service(name).servers();
        return () -> servers.stream().anyMatch(Server::isUsable);
    }

    /** The tracked frontend named {@code name}, or null when this daemon runs no such frontend. */
    static TrackedService of(L7Snapshot snapshot, String name) {
        if (snapshot == null || !snapshot.frontends().containsKey(name)) {
            return null;
        }
        List<BackendRuntime> backends = new ArrayList<>();
        for (String backend : routedBackends(snapshot.frontends().get(name).config())) {
            BackendRuntime runtime = snapshot.backends().get(backend);
            if (runtime != null) {
                backends.add(runtime);
            }
        }
        List<Server> servers = backends.stream().flatMap(b -> b.servers().stream()).toList();
        return () -> servers.stream().anyMatch(Server::isUsable);
    }

    /** The default backend and the target of each {@code use-backend} rule ({@code NAME [if|unless …]}). */
    static Set<String> routedBackends(FrontendConfig frontend) {
        Set<String> names = new LinkedHashSet<>();
        if (frontend.defaultBackend() != null) {
            names.add(frontend.defaultBackend().value().trim());
        }
        for (Located<String> rule : frontend.useBackend()) {
            String[] words = rule.value().trim().split("\\s+", 2);
            if (!words[0].isEmpty()) {
                names.add(words[0]);
            }
        }
        return names;
    }
}
