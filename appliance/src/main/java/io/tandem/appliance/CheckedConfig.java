package io.tandem.appliance;

import io.tandem.core.config.ConfigError;
import io.tandem.core.config.ConfigLoader;
import io.tandem.core.config.LoadResult;
import io.tandem.core.config.SourcePos;
import io.tandem.core.config.TandemConfig;
import io.tandem.core.config.VrrpInstanceConfig;
import io.tandem.core.state.Recompile;
import io.tandem.l4.L4Compiler;
import io.tandem.l4.L4Snapshot;
import io.tandem.l7.L7Compiler;
import io.tandem.l7.proxy.L7Snapshot;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A config file taken through every check the daemon applies — YAML structure, then compilation of ACLs,
 * rules, pools and L4 services — with all errors of every stage. {@code tandem check} and {@code tandem run} share it, so
 * a daemon never runs a config that the check would refuse.
 */
public record CheckedConfig(TandemConfig config, L7Snapshot snapshot, L4Snapshot l4, List<ConfigError> errors) {

    /** The loaded file compiled as a standalone node, with the errors of every stage sorted by position. */
    public static CheckedConfig of(LoadResult loaded) {
        if (loaded.config() == null) {
            return sorted(null, null, null, new ArrayList<>(loaded.errors()));
        }
        return compile(loaded.config(), new ArrayList<>(loaded.errors()), Recompile.standalone());
    }

    /** The same config compiled against {@code state}, the compile of a runtime state, for running it. */
    CheckedConfig against(Recompile state) {
        return against(config, state);
    }

    /** {@code config}, checked already, compiled against {@code state} (a reload compiles its config so). */
    static CheckedConfig against(TandemConfig config, Recompile state) {
        return compile(config, new ArrayList<>(), state);
    }

    private static CheckedConfig compile(TandemConfig config, List<ConfigError> errors, Recompile state) {
        L7Snapshot snapshot = L7Compiler.compile(config, errors, state);
        L4Snapshot l4 = L4Compiler.compile(config.l4(), errors, state);
        // With other errors, a listener may be missing only because its lines are wrong: those errors say so.
        if (errors.isEmpty() && config.l7().frontends().isEmpty() && config.l4().services().isEmpty()
                && config.vrrp().instances().isEmpty()) {
            errors.add(new ConfigError(new SourcePos(config.source(), 1, 1), "no listener: the config has no l7"
                    + " frontend, l4 service or vrrp instance, so tandem run would serve nothing"));
        }
        return sorted(config, snapshot, l4, errors);
    }

    private static CheckedConfig sorted(TandemConfig config, L7Snapshot snapshot, L4Snapshot l4,
                                        List<ConfigError> errors) {
        errors.sort(Comparator.comparing((ConfigError e) -> e.pos().file())
                .thenComparingInt(e -> e.pos().line())
                .thenComparingInt(e -> e.pos().column()));
        return new CheckedConfig(config, snapshot, l4, List.copyOf(errors));
    }

    /** {@link #of} the file at {@code file}. */
    public static CheckedConfig load(java.nio.file.Path file) {
        return of(ConfigLoader.load(file));
    }

    public boolean ok() {
        return errors.isEmpty();
    }

    /** The one-line summary {@code tandem check} prints for a valid file. */
    String summary() {
        int servers = snapshot.backends().values().stream().mapToInt(b -> b.servers().size()).sum();
        return "Configuration file " + config.source() + " is valid: " + snapshot.frontends().size()
                + " frontend(s), " + snapshot.backends().size() + " backend(s), " + servers + " server(s)"
                + (l4.services().isEmpty() ? "" : ", " + l4.services().size() + " L4 service(s)")
                + (config.vrrp().instances().isEmpty() ? "" : ", " + config.vrrp().instances().size()
                + " VRRP instance(s)")
                + (config.admin().stats() == null ? "" : ", stats on " + config.admin().stats().bind().address());
    }

    /**
     * Every warning {@code tandem check} prints (and still passes): {@link #certificateWarnings} and
     * {@link #hostWarnings}.
     */
    List<String> warnings() {
        List<String> warnings = new ArrayList<>(certificateWarnings());
        warnings.addAll(hostWarnings());
        return warnings;
    }

    /** Certificates expired or not valid yet: served all the same, as HAProxy does; {@code tandem run} logs them. */
    List<String> certificateWarnings() {
        return snapshot.warnings().stream().map(ConfigError::toString).toList();
    }

    /**
     * Warnings for what may be right on the machine the config is for but is not so here: VRRP interfaces this host
     * does not have. {@code tandem check} prints them and still passes; {@code tandem run} fails on them.
     */
    public List<String> hostWarnings() {
        return hostErrors().stream().map(e -> e.pos() + ": warning: " + e.message()).toList();
    }

    /** {@link #hostWarnings} as the errors they are for {@code tandem run} and a reload. */
    List<ConfigError> hostErrors() {
        List<ConfigError> errors = new ArrayList<>();
        for (VrrpInstanceConfig instance : config.vrrp().instances().values()) {
            if (!interfaceExists(instance.interfaceName())) {
                errors.add(new ConfigError(instance.pos(), "vrrp instance '" + instance.name() + "': interface "
                        + instance.interfaceName() + " does not exist on this host (tandem run would fail here)"));
            }
        }
        return errors;
    }

    private static boolean interfaceExists(String name) {
        try {
            return java.net.NetworkInterface.getByName(name) != null;
        } catch (java.net.SocketException e) {
            return false;
        }
    }
}
