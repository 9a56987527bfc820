/**
 * VRRP's plumbing, apart from the protocol (keepalived's split): raw protocol-112 sockets ({@link
 * io.tandem.vrrp.io.RawIpSocket}, read on a dedicated thread by {@link io.tandem.vrrp.io.PacketReceiver}), virtual
 * addresses over rtnetlink ({@link io.tandem.vrrp.io.VipManager}; its messages are built and parsed apart from its
 * socket, so they are tested without a kernel), gratuitous ARP and unsolicited neighbour
 * advertisements ({@link io.tandem.vrrp.io.GratuitousArp}, {@link io.tandem.vrrp.io.NeighborAdvertisement}) and
 * link state for tracking ({@link io.tandem.vrrp.io.InterfaceWatcher}). Nothing here parses VRRP or decides a state:
 * bytes in, bytes out, addresses on and off. Every call that can block says so; none belongs on an event loop.
 * Sockets belong to the network namespace of the thread that opens them. Linux, 64-bit, needs CAP_NET_RAW and
 * CAP_NET_ADMIN.
 */
package io.tandem.vrrp.io;
