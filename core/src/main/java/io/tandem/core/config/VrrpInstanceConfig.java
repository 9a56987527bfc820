package io.tandem.core.config;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;

/**
 * One VRRP instance ({@code vrrp.instances.NAME}), validated: {@code vrid} 1..255, {@code priority} 1..255
 * (255: the address owner, which always preempts), {@code version} 2 (RFC 3768, IPv4 only) or 3 (RFC 5798),
 * {@code advertInterval} a multiple of 10ms in 10ms..40.95s for v3 and whole seconds in 1s..255s for v2,
 * {@code virtualAddresses} non-empty and all of one family. {@code unicast} is null for multicast (224.0.0.18 or
 * ff02::12); {@code notifyCommand} (the {@code notify} key; {@code notify} cannot name a record component) and {@code authPass} (v2 simple-text authentication, at most 8 characters) may be
 * null; {@code garpRefresh} is null when the master does not repeat gratuitous ARPs periodically.
 */
public record VrrpInstanceConfig(String name, String interfaceName, int vrid, int priority, int version,
                                 Duration advertInterval, boolean preempt, Duration preemptDelay,
                                 List<VirtualAddress> virtualAddresses, Unicast unicast, Track track, String notifyCommand,
                                 String authPass, Garp garp, Duration garpRefresh, SourcePos pos) {

    /** The priority of the router that owns the virtual addresses. */
    public static final int OWNER_PRIORITY = 255;

    /** True when the virtual addresses belong to this router (priority 255): it always becomes master. */
    public boolean isOwner() {
        return priority == OWNER_PRIORITY;
    }

    /** True when the instance advertises IPv4 addresses (IPv6 otherwise). */
    public boolean isIpv4() {
        return virtualAddresses.isEmpty() || virtualAddresses.get(0).isIpv4();
    }

    /**
     * Adverts to these peers instead of multicast; {@code source} is null when the interface's primary address
     * is used.
     */
    public record Unicast(InetAddress source, List<InetAddress> peers) {
    }

    /**
     * What the instance tracks. A failed item with weight 0 puts the instance in FAULT; otherwise its weight is
     * added to the priority (keepalived's {@code track_interface}, {@code track_script}; services are L4 services
     * and L7 frontends of this config).
     */
    public record Track(List<TrackItem> interfaces, List<TrackItem> services, List<TrackScript> scripts) {
        public static final Track NONE = new Track(List.of(), List.of(), List.of());

        public boolean isEmpty() {
            return interfaces.isEmpty() && services.isEmpty() && scripts.isEmpty();
        }
    }

    /** A tracked interface or service: {@code NAME} or {@code NAME weight N} (N in -254..254, default 0). */
    public record TrackItem(String name, int weight, SourcePos pos) {
    }

    /**
     * A tracked script: run every {@code interval}, killed after {@code timeout}; {@code fall} failures in a row
     * make it down and {@code rise} successes up again; a down script adds {@code weight} (0: FAULT).
     */
    public record TrackScript(String command, Duration interval, Duration timeout, int weight, int fall, int rise,
                              SourcePos pos) {
    }

    /**
     * Gratuitous ARPs (IPv4) or unsolicited neighbour advertisements (IPv6) sent on becoming master:
     * {@code repeat} of them, {@code interval} apart (keepalived's garp_master_repeat 5, garp_interval 0).
     */
    public record Garp(int repeat, Duration interval) {
        public static final Garp DEFAULT = new Garp(5, Duration.ZERO);
    }
}
