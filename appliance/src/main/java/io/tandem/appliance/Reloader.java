package io.tandem.appliance;

import io.tandem.appliance.setup.AtomicFile;
import io.tandem.appliance.stats.StatsServer;
import io.tandem.cluster.ConfigOffer;
import io.tandem.core.config.AdminConfig;
import io.tandem.core.config.ClusterConfig;
import io.tandem.core.config.ConfigError;
import io.tandem.core.config.ConfigException;
import io.tandem.core.config.ConfigLoader;
import io.tandem.core.config.GlobalConfig;
import io.tandem.core.config.SharedConfig;
import io.tandem.core.config.SameSettings;
import io.tandem.core.config.TandemConfig;
import io.tandem.core.state.ListenerSwap;
import io.tandem.core.state.Recompile;
import io.tandem.core.state.RuntimeState;
import io.tandem.l4.L4Services;
import io.tandem.l7.proxy.L7Proxy;
import io.tandem.vrrp.runtime.TrackedService;
import io.tandem.vrrp.runtime.VrrpService;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * A hitless reload of the config file: the file is checked exactly as {@code tandem check} checks it (and as
 * {@code tandem run} would: a VRRP interface this host lacks is an error here); with any error nothing changes and
 * every error is logged in one block. Otherwise the config is compiled against the runtime state (servers, pools,
 * stick tables, health and counters that it still names carry over), the listeners it adds are opened — a bind
 * that cannot open refuses the reload, nothing changed — and then the runtime state is committed and both tiers'
 * snapshots swapped: listeners whose address stays keep their socket, removed ones close once their connections
 * finish. VRRP instances whose settings are unchanged keep running untouched; changed ones restart. The stats
 * endpoint follows {@code admin.stats} (a new address is opened with the other listeners). Global settings that only
 * a restart can apply keep their running value and are reported. Reloads run one at a time.
 */
final class Reloader {
    private static final System.Logger LOG = System.getLogger(Reloader.class.getName());

    private final Path file;
    private final RuntimeState state;
    private final L7Proxy proxy;
    private final L4Services l4;
    private final VrrpService vrrp;
    private final StatsServer stats;
    private final Function<String, TrackedService> tracking;
    private TandemConfig running;
    private SharedSections shared;

    Reloader(Path file, TandemConfig running, SharedSections shared, RuntimeState state, L7Proxy proxy,
             L4Services l4, VrrpService vrrp, StatsServer stats, Function<String, TrackedService> tracking) {
        this.file = file;
        this.running = running;
        this.shared = shared;
        this.state = state;
        this.proxy = proxy;
        this.l4 = l4;
        this.vrrp = vrrp;
        this.stats = stats;
        this.tracking = tracking;
    }

    /** The file a reload reads; null when there is none (the demo: only the runtime API's {@link #apply}). */
    Path file() {
        return file;
    }

    /** The config running now (with the global settings that wait for a restart at their running values). */
    synchronized TandemConfig running() {
        return running;
    }

    /** Reads, checks and applies the file; logs the outcome (every error, or every change) in one block. */
    synchronized ReloadResult reload() {
        ReloadResult result = apply();
        List<String> lines = new ArrayList<>();
        lines.addAll(result.errors());
        lines.addAll(result.changes());
        result.restartNeeded().forEach(line -> lines.add(line + ": needs a restart, the running value is kept"));
        String block = lines.isEmpty() ? "" : "\n  " + String.join("\n  ", lines);
        if (result.applied()) {
            LOG.log(result.errors().isEmpty() ? System.Logger.Level.INFO : System.Logger.Level.WARNING,
                    "reload of " + file + " " + result.summary() + block);
        } else {
            LOG.log(System.Logger.Level.WARNING, "reload of " + file + " " + result.summary()
                    + " (still running the config loaded before; fix the file and reload again)" + block);
        }
        return result;
    }

    private ReloadResult apply() {
        String text;
        try {
            text = ConfigLoader.text(file);
        } catch (ConfigException e) {
            return refused(e.errors());
        }
        return checkAndInstall(text, errors -> errors);
    }

    /**
     * Checks {@code text} as the file's content, exactly as {@code tandem check} and {@code tandem run} do, and
     * installs it when it passes; {@code place} puts each error where its line came from.
     */
    private ReloadResult checkAndInstall(String text, UnaryOperator<List<ConfigError>> place) {
        CheckedConfig checked = CheckedConfig.of(ConfigLoader.parse(file.toString(), text));
        if (!checked.ok()) {
            return refused(place.apply(checked.errors()));
        }
        if (!checked.hostErrors().isEmpty()) {
            return refused(place.apply(checked.hostErrors()));
        }
        List<String> restartNeeded = new ArrayList<>();
        ReloadResult result = install(withRunningGlobals(checked.config(), restartNeeded), restartNeeded);
        if (result.applied()) {
            shared = SharedSections.of(file.toString(), text);
        }
        return result;
    }

    private static ReloadResult refused(List<ConfigError> errors) {
        return ReloadResult.refused(errors.stream().map(ConfigError::toString).toList());
    }

    /** The shared sections of the config running now (from the file, or from the peer's config it took). */
    synchronized SharedSections shared() {
        return shared;
    }

    /**
     * A peer's shared sections ({@code share: config}): merged with this node's own file (its node-local sections
     * as they are on disk), checked as a reload checks the file, installed when the check passes and then written
     * to the file (temp file and rename, so a crash leaves the old file or the new one; the old one kept as FILE.bak), so a restart keeps them.
     * An error is placed in the peer's file (a line of the text it sent) or in this node's, named {@code self:FILE}.
     */
    synchronized ReloadResult applyShared(ConfigOffer offer, String self) {
        String text;
        SharedConfig own;
        SharedConfig received;
        try {
            text = ConfigLoader.text(file);
            own = SharedConfig.of(file.toString(), text);
            received = SharedConfig.of(offer.source(), offer.text());
        } catch (ConfigException e) {
            return refused(e.errors());
        }
        SharedConfig.Merged merged = own.merge(received);
        ReloadResult result = checkAndInstall(merged.text(), errors -> merged.placed(errors, self + ":" + file));
        if (!result.applied()) {
            return result;
        }
        try {
            writeAtomically(file, merged.text());
            return result;
        } catch (IOException e) {
            List<String> errors = new ArrayList<>(result.errors());
            errors.add("applied, but " + file + " could not be written (" + e.getMessage() + "): a restart would "
                    + "run the file's old sections; fix the file's permissions and reload on the peer again");
            return new ReloadResult(true, errors, result.changes(), result.restartNeeded());
        }
    }

    /**
     * Replaces the file (the real one behind a link) with {@code text}, keeping its mode and owner and its old
     * content as {@code FILE.bak}.
     */
    private static void writeAtomically(Path file, String text) throws IOException {
        Path target = file.toRealPath();
        AtomicFile.write(target, text, PosixFilePermissions.toString(Files.getPosixFilePermissions(target)),
                Files.getOwner(target).getName(), true);
    }

    /**
     * Applies {@code next}, a config the runtime API derived from the running one (a server added or removed), as
     * a reload applies the file: compiled against the runtime state, swapped in without dropping a connection.
     */
    synchronized ReloadResult apply(TandemConfig next) {
        return install(next, List.of());
    }

    private ReloadResult install(TandemConfig next, List<String> restartNeeded) {
        Recompile compile = state.recompile();
        CheckedConfig compiled = CheckedConfig.against(next, compile);
        if (!compiled.ok()) {
            // The same compile as the check that passed: only a bug gets here.
            return ReloadResult.refused(compiled.errors().stream().map(ConfigError::toString).toList());
        }
        ListenerSwap statsSwap = null;
        ListenerSwap l7Swap = null;
        ListenerSwap l4Swap = null;
        try {
            statsSwap = stats.prepare(next.admin().stats());
            l7Swap = proxy.prepare(compiled.snapshot());
            l4Swap = l4.prepare(compiled.l4());
        } catch (IOException e) {
            abandon(statsSwap, l7Swap, l4Swap);
            return ReloadResult.refused(List.of(e.getMessage()));
        }
        try {
            compile.commit();
        } catch (IllegalStateException e) {
            abandon(statsSwap, l7Swap, l4Swap);
            return ReloadResult.refused(List.of("the runtime state changed while the file was compiled (a server"
                    + " was added or removed meanwhile): reload again"));
        }
        List<String> changes = new ArrayList<>(sections(running, next));
        changes.addAll(l7Swap.apply());
        changes.addAll(l4Swap.apply());
        changes.addAll(statsSwap.apply());
        List<String> errors = new ArrayList<>();
        try {
            changes.addAll(vrrp.reload(next.vrrp(), tracking));
        } catch (IOException e) {
            errors.add(e.getMessage() + " (the other instances run; fix it and reload again)");
        }
        if (!Objects.equals(running.global().hardStopAfter(), next.global().hardStopAfter())) {
            changes.add("global.hard-stop-after: " + next.global().hardStopAfter().toMillis() + "ms");
        }
        running = next;
        return new ReloadResult(true, errors, changes, restartNeeded);
    }

    /** Gives up the swaps prepared so far (null: not prepared), closing the listeners they opened. */
    private static void abandon(ListenerSwap... swaps) {
        for (ListenerSwap swap : swaps) {
            if (swap != null) {
                swap.abandon();
            }
        }
    }

    /**
     * {@code next} with the global settings only a restart can apply (node name, event loops, maxconn, the access
     * log's destination and format, the runtime API's socket, the cluster section) at their running values; each one
     * the file changes is added to {@code restartNeeded}.
     */
    private TandemConfig withRunningGlobals(TandemConfig next, List<String> restartNeeded) {
        GlobalConfig now = running.global();
        GlobalConfig file = next.global();
        restartIfChanged(restartNeeded, "global.name", now.name(), file.name());
        restartIfChanged(restartNeeded, "global.workers", now.workers(), file.workers());
        restartIfChanged(restartNeeded, "global.maxconn", now.maxconn(), file.maxconn());
        restartIfChanged(restartNeeded, "global.log", now.log(), file.log());
        restartIfChanged(restartNeeded, "global.log-format", now.logFormat().name().toLowerCase(java.util.Locale.ROOT),
                file.logFormat().name().toLowerCase(java.util.Locale.ROOT));
        restartIfChanged(restartNeeded, "admin.socket", running.admin().socket(), next.admin().socket());
        if (!SameSettings.of(running.cluster(), next.cluster())) {
            // The cluster node keeps its channel, its peers and its secret; the secret itself is never logged.
            restartNeeded.add("cluster " + clusterText(next.cluster()) + " (running: " + clusterText(running.cluster())
                    + (Objects.equals(running.cluster().secret(), next.cluster().secret()) ? "" : "; another secret")
                    + ")");
        }
        GlobalConfig kept = new GlobalConfig(now.name(), now.workers(), now.maxconn(), now.log(), file.hardStopAfter(),
                now.logFormat());
        return new TandemConfig(next.source(), kept, next.defaults(), next.l7(), next.l4(), next.vrrp(),
                running.cluster(), new AdminConfig(running.admin().socket(), next.admin().stats()));
    }

    /** The cluster section as an operator reads it in the reload's report, without the secret. */
    private static String clusterText(ClusterConfig cluster) {
        if (!cluster.enabled()) {
            return "none";
        }
        return cluster.name() + " bind " + cluster.bind() + " members " + cluster.members() + " share "
                + cluster.share().stream().map(ClusterConfig.Share::keyword).sorted().toList();
    }

    private static void restartIfChanged(List<String> restartNeeded, String key, Object now, Object file) {
        if (!Objects.equals(now, file)) {
            restartNeeded.add(key + " " + file + " (running: " + now + ")");
        }
    }

    /** Frontends, backends and L4 services the new config adds, removes or changes, one line each. */
    private static List<String> sections(TandemConfig before, TandemConfig after) {
        List<String> changes = new ArrayList<>();
        compare(changes, "frontend", before.l7().frontends(), after.l7().frontends());
        compare(changes, "backend", before.l7().backends(), after.l7().backends());
        compare(changes, "service", before.l4().services(), after.l4().services());
        return changes;
    }

    private static void compare(List<String> changes, String kind, Map<String, ?> before, Map<String, ?> after) {
        TreeSet<String> names = new TreeSet<>(before.keySet());
        names.addAll(after.keySet());
        for (String name : names) {
            Object was = before.get(name);
            Object now = after.get(name);
            if (was == null) {
                changes.add(kind + " " + name + ": added");
            } else if (now == null) {
                changes.add(kind + " " + name + ": removed");
            } else if (!SameSettings.of(was, now)) {
                changes.add(kind + " " + name + ": changed");
            }
        }
    }
}
