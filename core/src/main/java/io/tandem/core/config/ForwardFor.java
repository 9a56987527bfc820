package io.tandem.core.config;

import java.util.List;

/**
 * The {@code forwardfor} block: when enabled, X-Forwarded-For is set to the peer's address unless the peer is
 * in one of the {@code except} ranges (a trusted proxy, whose X-Forwarded-For is kept as it came).
 */
public record ForwardFor(boolean enabled, List<Cidr> except) {

    /** X-Forwarded-For is not touched. */
    public static final ForwardFor DISABLED = new ForwardFor(false, List.of());

    /** True when {@code peer} is in an {@code except} range: a trusted proxy whose headers are kept. */
    public boolean trusts(java.net.InetAddress peer) {
        for (Cidr range : except) {
            if (range.contains(peer)) {
                return true;
            }
        }
        return false;
    }
}
