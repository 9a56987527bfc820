package io.tandem.appliance.setup;

import io.tandem.core.config.HostPort;
import io.tandem.core.config.VirtualAddress;

import java.net.InetAddress;
import java.util.List;

/**
 * Every answer of one setup, checked. {@code address} is null for DHCP and {@code gateway} null for none; the pair's
 * fields ({@code vips} to {@code secret}) are empty or null on a standalone node. {@code check} is {@code tcp},
 * {@code none} or an HTTP path.
 */
record Answers(String hostname, String managementInterface, VirtualAddress address, InetAddress gateway, Role role,
               List<VirtualAddress> vips, String vipInterface, int vrid, int priority, InetAddress peer,
               ClusterSecret secret, String pool, List<HostPort> servers, int port, String balance, String check) {
}
