package io.tandem.vrrp;

/**
 * The states of a VRRP instance: RFC 5798's Initialize, Backup and Master, keepalived's FAULT (something tracked
 * is down: the instance holds no addresses and does not advertise), and STOPPED (after shutdown; RFC 5798
 * returns to Initialize, kept apart here so an operator sees "stopped" rather than "not started").
 */
public enum VrrpState {
    INITIALIZE, BACKUP, MASTER, FAULT, STOPPED
}
