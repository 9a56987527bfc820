package io.tandem.vrrp.runtime;

import io.tandem.core.config.SyncGroupConfig;
import io.tandem.core.config.VrrpConfig;
import io.tandem.core.config.VrrpInstanceConfig;
import io.tandem.vrrp.io.VipManager;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Every VRRP instance of a config, with their sync groups: started together (all or none) and stopped together,
 * each master sending priority 0 and every address removed before {@link #stop} returns.
 */
public final class VrrpService implements AutoCloseable {
    private final List<VrrpInstance> instances;
    private final VipManager ownVips; // closed by stop(); null when the caller passed its own

    private VrrpService(List<VrrpInstance> instances, VipManager ownVips) {
        this.instances = instances;
        this.ownVips = ownVips;
    }

    /**
     * Starts the instances of {@code config} (addresses changed over rtnetlink, in this process's network namespace,
     * by a manager that {@link #stop} closes); {@code services} finds
     * a tracked L4 service or L7 frontend by name (null when there is none).
     *
     * @throws IOException naming the instance and what stopped it; the instances already started are stopped
     */
    public static VrrpService start(VrrpConfig config, Function<String, TrackedService> services) throws IOException {
        VipManager vips = new VipManager();
        try {
            return start(config, services, vips, true);
        } catch (IOException | RuntimeException e) {
            vips.close();
            throw e;
        }
    }

    /** Starts the instances of {@code config} with {@code vips}, which stays the caller's to close. */
    public static VrrpService start(VrrpConfig config, Function<String, TrackedService> services, VipManager vips)
            throws IOException {
        return start(config, services, vips, false);
    }

    private static VrrpService start(VrrpConfig config, Function<String, TrackedService> services, VipManager vips,
            boolean owned) throws IOException {
        Map<String, SyncGroup> groupOf = new HashMap<>();
        for (SyncGroupConfig g : config.syncGroups().values()) {
            SyncGroup group = new SyncGroup(g.name());
            g.instances().forEach(name -> groupOf.put(name, group));
        }
        List<VrrpInstance> started = new ArrayList<>();
        for (VrrpInstanceConfig instance : config.instances().values()) {
            try {
                started.add(VrrpInstance.start(instance, vips, services, groupOf.get(instance.name())));
            } catch (IOException | RuntimeException e) {
                started.forEach(VrrpInstance::stop);
                throw new IOException("vrrp instance " + instance.name() + " on " + instance.interfaceName() + ": "
                        + e.getMessage(), e);
            }
        }
        return new VrrpService(Collections.unmodifiableList(started), owned ? vips : null);
    }

    public List<VrrpInstance> instances() {
        return instances;
    }

    /** Stops every instance (priority 0 from masters, addresses removed), in parallel so no backup waits twice. */
    public void stop() {
        List<Thread> threads = new ArrayList<>();
        for (VrrpInstance instance : instances) {
            Thread t = new Thread(instance::stop, "vrrp-stop-" + instance.name());
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return; // the instances are still stopping: their manager stays open
            }
        }
        if (ownVips != null) {
            ownVips.close();
        }
    }

    @Override
    public void close() {
        stop();
    }
}
