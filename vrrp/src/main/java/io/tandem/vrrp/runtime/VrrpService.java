package io.tandem.vrrp.runtime;

import io.tandem.core.config.SameSettings;
import io.tandem.core.config.SyncGroupConfig;
import io.tandem.core.config.VrrpConfig;
import io.tandem.core.config.VrrpInstanceConfig;
import io.tandem.vrrp.io.VipManager;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Every VRRP instance of a config, with their sync groups: started together (all or none), reloaded instance by
 * instance ({@link #reload}), and stopped together, each master sending priority 0 and every address removed before
 * {@link #stop} returns.
 */
public final class VrrpService implements AutoCloseable {
    private volatile List<VrrpInstance> instances;
    private final VipManager vips;
    private final boolean ownsVips; // the manager is closed by stop() when the service made it
    private VrrpConfig config;
    private final VrrpHold hold; // null: nothing holds the instances

    private VrrpService(VrrpConfig config, List<VrrpInstance> instances, VipManager vips, boolean ownsVips,
                        VrrpHold hold) {
        this.config = config;
        this.hold = hold;
        this.instances = instances;
        this.vips = vips;
        this.ownsVips = ownsVips;
    }

    /**
     * Starts the instances of {@code config} (addresses changed over rtnetlink, in this process's network namespace,
     * by a manager that {@link #stop} closes); {@code services} finds
     * a tracked L4 service or L7 frontend by name (null when there is none).
     *
     * @throws IOException naming the instance and what stopped it; the instances already started are stopped
     */
    public static VrrpService start(VrrpConfig config, Function<String, TrackedService> services) throws IOException {
        return start(config, services, (VrrpHold) null);
    }

    /** As {@link #start(VrrpConfig, Function)}, every instance (reloaded ones too) held in FAULT while {@code hold} is not met. */
    public static VrrpService start(VrrpConfig config, Function<String, TrackedService> services, VrrpHold hold)
            throws IOException {
        VipManager vips = new VipManager();
        try {
            return start(config, services, vips, true, hold);
        } catch (IOException | RuntimeException e) {
            vips.close();
            throw e;
        }
    }

    /** Starts the instances of {@code config} with {@code vips}, which stays the caller's to close. */
    public static VrrpService start(VrrpConfig config, Function<String, TrackedService> services, VipManager vips)
            throws IOException {
        return start(config, services, vips, false, null);
    }

    private static VrrpService start(VrrpConfig config, Function<String, TrackedService> services, VipManager vips,
            boolean owned, VrrpHold hold) throws IOException {
        List<VrrpInstance> started = startAll(config, config.instances().keySet(), services, vips, hold);
        return new VrrpService(config, Collections.unmodifiableList(started), vips, owned, hold);
    }

    /** Starts the instances {@code names} of {@code config}, each sync group of them together; all or none. */
    private static List<VrrpInstance> startAll(VrrpConfig config, Set<String> names,
            Function<String, TrackedService> services, VipManager vips, VrrpHold hold) throws IOException {
        Map<String, SyncGroup> groupOf = new HashMap<>();
        for (SyncGroupConfig g : config.syncGroups().values()) {
            SyncGroup group = new SyncGroup(g.name());
            g.instances().forEach(name -> groupOf.put(name, group));
        }
        List<VrrpInstance> started = new ArrayList<>();
        for (VrrpInstanceConfig instance : config.instances().values()) {
            if (!names.contains(instance.name())) {
                continue;
            }
            try {
                started.add(VrrpInstance.start(instance, vips, services, groupOf.get(instance.name()), hold));
            } catch (IOException | RuntimeException e) {
                stopAll(started);
                throw new IOException("vrrp instance " + instance.name() + " on " + instance.interfaceName() + ": "
                        + e.getMessage(), e);
            }
        }
        return started;
    }

    /**
     * Applies {@code next} (a reload): an instance whose settings (wherever they are written in the file) and sync
     * group are unchanged keeps running untouched, its addresses and state included; one that changed is stopped
     * (a master sends priority 0 and releases its addresses) and started again with its new settings, with every
     * member of its sync group; removed ones stop, new ones start. Returns what changed, one line each.
     *
     * @throws IOException when an instance cannot start; the ones this reload started are stopped again, and the
     *     service runs the unchanged ones only
     */
    public synchronized List<String> reload(VrrpConfig next, Function<String, TrackedService> services)
            throws IOException {
        Set<String> restart = new LinkedHashSet<>();
        for (VrrpInstanceConfig instance : next.instances().values()) {
            VrrpInstanceConfig old = config.instances().get(instance.name());
            if (old == null || !SameSettings.of(old, instance)
                    || !SameSettings.of(groupOf(config, instance.name()), groupOf(next, instance.name()))) {
                restart.add(instance.name());
            }
        }
        // A sync group moves together: when one member restarts, all of them do.
        for (SyncGroupConfig group : next.syncGroups().values()) {
            if (group.instances().stream().anyMatch(restart::contains)) {
                restart.addAll(group.instances());
            }
        }
        List<String> changes = new ArrayList<>();
        List<VrrpInstance> kept = new ArrayList<>();
        List<VrrpInstance> stopping = new ArrayList<>();
        for (VrrpInstance instance : instances) {
            String name = instance.name();
            if (next.instances().containsKey(name) && !restart.contains(name)) {
                kept.add(instance);
            } else {
                stopping.add(instance);
                changes.add("vrrp " + name + ": " + (next.instances().containsKey(name)
                        ? "settings changed, restarted (a master sent priority 0 first)" : "removed, stopped"));
            }
        }
        for (String name : restart) {
            if (config.instances().get(name) == null) {
                changes.add("vrrp " + name + ": new, started");
            }
        }
        stopAll(stopping);
        instances = Collections.unmodifiableList(kept);
        config = new VrrpConfig(keptConfigs(next, kept), Map.of());
        List<VrrpInstance> started = startAll(next, restart, services, vips, hold);
        List<VrrpInstance> all = new ArrayList<>(kept);
        all.addAll(started);
        instances = Collections.unmodifiableList(all);
        config = next;
        return changes;
    }

    private static Map<String, VrrpInstanceConfig> keptConfigs(VrrpConfig next, List<VrrpInstance> kept) {
        Map<String, VrrpInstanceConfig> configs = new LinkedHashMap<>();
        kept.forEach(instance -> configs.put(instance.name(), next.instances().get(instance.name())));
        return configs;
    }

    private static SyncGroupConfig groupOf(VrrpConfig config, String instance) {
        return config.syncGroups().values().stream().filter(g -> g.instances().contains(instance)).findFirst()
                .orElse(null);
    }

    public List<VrrpInstance> instances() {
        return instances;
    }

    /** Stops every instance (priority 0 from masters, addresses removed), in parallel so no backup waits twice. */
    public synchronized void stop() {
        if (stopAll(instances) && ownsVips) {
            vips.close();
        }
    }

    /** Stops {@code stopping} in parallel; false when interrupted before all had stopped. */
    private static boolean stopAll(List<VrrpInstance> stopping) {
        List<Thread> threads = new ArrayList<>();
        for (VrrpInstance instance : stopping) {
            Thread t = new Thread(instance::stop, "vrrp-stop-" + instance.name());
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false; // the instances are still stopping: their manager stays open
            }
        }
        return true;
    }

    @Override
    public void close() {
        stop();
    }
}
