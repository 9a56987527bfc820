package io.tandem.appliance.setup;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/**
 * Starts the service on the new config: enabled for the next boots, and reloaded (SIGHUP, no connection dropped) when
 * it runs or started when it does not: {@code systemctl reload-or-restart} does either.
 */
final class ServiceControl {
    static final String UNIT = "tandem";
    private static final List<List<String>> STEPS = List.of(List.of("systemctl", "enable", UNIT),
            List.of("systemctl", "reload-or-restart", UNIT));

    private ServiceControl() {
    }

    /** The commands, as the wizard prints them when it does not run them. */
    static String commands() {
        return String.join("; ", STEPS.stream().map(step -> String.join(" ", step)).toList());
    }

    /** Runs the steps; false when systemctl is missing or a step failed (said on {@code out}). */
    static boolean start(PrintStream out, Path config) {
        if (!Commands.exists("systemctl")) {
            out.println("systemctl is not here: start Tandem yourself with  tandem run -c " + config
                    + "  or, where systemd runs,  " + commands());
            return false;
        }
        for (List<String> step : STEPS) {
            if (Commands.run(out, step, 120) != 0) {
                out.println("The service did not start: see  journalctl -u " + UNIT + "  and  systemctl status "
                        + UNIT);
                return false;
            }
        }
        return true;
    }
}
