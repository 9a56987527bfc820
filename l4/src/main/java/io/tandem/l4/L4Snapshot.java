package io.tandem.l4;

import java.util.Map;

/**
 * The compiled {@code l4} block, what the L4 data path runs on: services by name, in file order. Immutable; the
 * servers, pools and counters its services point at belong to the {@link io.tandem.core.state.RuntimeState} it
 * was compiled against and outlive it.
 */
public record L4Snapshot(Map<String, ServiceRuntime> services) {

    /** No L4 services. */
    public static final L4Snapshot EMPTY = new L4Snapshot(Map.of());

    /** The service named {@code name}, or null. */
    public ServiceRuntime service(String name) {
        return services.get(name);
    }
}
