package io.tandem.appliance.admin;

import io.tandem.core.balance.Server;
import io.tandem.core.config.CheckConfig;
import io.tandem.core.health.CheckResult;
import io.tandem.core.health.HealthCheck;

/** A server's state in HAProxy's words, as {@code show stat} and {@code show servers} print it. */
final class ServerStatus {
    private ServerStatus() {
    }

    /**
     * {@code MAINT} and {@code DRAIN} (admin states) before health; then {@code UP} or {@code DOWN}, or
     * {@code no check} for an up server without health checks.
     */
    static String of(Server server, boolean checked) {
        return switch (server.adminState()) {
            case MAINT -> "MAINT";
            case DRAIN -> "DRAIN";
            case READY -> !server.isUp() ? "DOWN" : checked ? "UP" : "no check";
        };
    }

    /** HAProxy's {@code check_status} code for a result: L7OK/L7STS for HTTP checks, L4OK/L4CON for TCP ones. */
    static String checkCode(CheckResult result, HealthCheck check) {
        boolean http = check.config().kind() == CheckConfig.Kind.HTTP;
        if (result.passed()) {
            return http ? "L7OK" : "L4OK";
        }
        return http && result.detail().startsWith("HTTP ") ? "L7STS" : "L4CON";
    }
}
