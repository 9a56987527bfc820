package io.tandem.appliance.stats;

import io.tandem.core.balance.Server;

/** A server's state as operators read it, in HAProxy's words: DOWN (health), MAINT or DRAIN (operator), else UP. */
final class ServerStates {
    private ServerStates() {
    }

    static String text(Server server) {
        if (!server.isUp()) {
            return "DOWN";
        }
        return switch (server.adminState()) {
            case MAINT -> "MAINT";
            case DRAIN -> "DRAIN";
            case READY -> "UP";
        };
    }
}
