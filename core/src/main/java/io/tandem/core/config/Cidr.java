package io.tandem.core.config;

import java.net.InetAddress;

/** An address range such as {@code 10.10.0.0/16} or {@code ::1/128}; a bare address is a /32 or /128. */
public record Cidr(InetAddress network, int prefixLength) {

    /** True when {@code address} lies in this range (never across address families). */
    public boolean contains(InetAddress address) {
        byte[] net = network.getAddress();
        byte[] candidate = address.getAddress();
        if (net.length != candidate.length) {
            return false;
        }
        int fullBytes = prefixLength / 8;
        for (int i = 0; i < fullBytes; i++) {
            if (net[i] != candidate[i]) {
                return false;
            }
        }
        int remainingBits = prefixLength % 8;
        if (remainingBits == 0) {
            return true;
        }
        int mask = (0xFF << (8 - remainingBits)) & 0xFF;
        return (net[fullBytes] & mask) == (candidate[fullBytes] & mask);
    }

    @Override
    public String toString() {
        return network.getHostAddress() + "/" + prefixLength;
    }
}
