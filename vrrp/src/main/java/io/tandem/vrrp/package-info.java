/** VRRP (RFC 5798 v3, RFC 3768 v2): the protocol, the state machine, and raw-socket, VIP and ARP plumbing. */
package io.tandem.vrrp;
