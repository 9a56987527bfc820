package io.tandem.vrrp.runtime;

import io.tandem.core.config.HostPort;
import io.tandem.core.log.RateLimitedLog;
import io.tandem.vrrp.VrrpCodec;

import java.net.InetAddress;
import java.util.EnumMap;
import java.util.Map;

/**
 * The operator lines about one instance's received packets that are errors (a wrong password, a TTL that crossed a
 * router, a bad checksum, a peer advertising other addresses, ...): one line per reason at once, then at most one per
 * {@link RateLimitedLog#QUIET_SECONDS} seconds with the count of those left out, so that a misconfigured peer
 * sending ten adverts a second costs a few lines, not one per packet. Every packet is still counted by reason in
 * the instance's drops ({@code show vrrp}, {@code tandem_vrrp_dropped_packets_total}).
 */
final class AdvertWarnings {
    private static final System.Logger LOG = System.getLogger(AdvertWarnings.class.getName());

    private final String instance;
    private final Map<VrrpCodec.DropReason, RateLimitedLog> lines = new EnumMap<>(VrrpCodec.DropReason.class);

    AdvertWarnings(String instance) {
        this.instance = instance;
        for (VrrpCodec.DropReason reason : VrrpCodec.DropReason.values()) {
            if (reason.isError()) {
                lines.put(reason, new RateLimitedLog(LOG, System.Logger.Level.WARNING));
            }
        }
    }

    /** Reports {@code decoded}, a packet from {@code source}, when it is an error; the others pass silently. */
    void report(VrrpCodec.Decoded decoded, InetAddress source) {
        RateLimitedLog line = decoded.reason() == null ? null : lines.get(decoded.reason());
        if (line == null) {
            return;
        }
        line.event(() -> "vrrp " + instance + ": " + (decoded.accepted() ? "accepted with warning " : "dropped ")
                + decoded.reason() + " from " + HostPort.text(source) + ": " + decoded.detail()
                + " (compare that router's VRRP settings with this instance's)");
    }
}
