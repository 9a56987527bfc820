/**
 * VRRP, protocol apart from plumbing: {@link io.tandem.vrrp.VrrpCodec} reads and writes VRRPv3 (RFC 5798) and
 * VRRPv2 (RFC 3768) advertisements, {@link io.tandem.vrrp.VrrpStateMachine} is RFC 5798 §6.4 driven by events and
 * an injected clock. Neither does I/O: sockets, virtual addresses and gratuitous ARP are a layer around them.
 */
package io.tandem.vrrp;
