package io.tandem.core.metrics;

/**
 * The names counters are filed under in the runtime state ({@code Recompile.shared}, {@code RuntimeState.shared}),
 * one per section or server, qualified by tier there: compilers file them and readers find them by these names.
 */
public final class CounterKeys {
    private CounterKeys() {
    }

    public static String frontend(String name) {
        return "frontend " + name;
    }

    public static String backend(String name) {
        return "backend " + name;
    }

    public static String service(String name) {
        return "service " + name;
    }

    /** A server of a backend or a service, by its {@code section/name}. */
    public static String server(String qualifiedName) {
        return "server " + qualifiedName;
    }
}
