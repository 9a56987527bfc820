package io.tandem.appliance.setup;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/**
 * Starts the service on the new config, enabled for the next boots. A running service is reloaded (SIGHUP, no
 * connection dropped) when that applies all of the new file; when the file's {@code global} settings or
 * {@code cluster} section change, which a reload keeps at their running values, it is restarted.
 * {@code systemctl reload-or-restart} also starts a stopped service.
 */
final class ServiceControl {
    static final String UNIT = "tandem";
    /** Past the unit's TimeoutStartSec (10 min): systemd, not the wizard, decides that a slow start failed. */
    static final int START_TIMEOUT_SECONDS = 660;

    private ServiceControl() {
    }

    /** The commands for a file whose {@code global} settings or {@code cluster} section changed or not. */
    static List<List<String>> steps(boolean restartNeeded) {
        return List.of(List.of("systemctl", "enable", UNIT),
                List.of("systemctl", restartNeeded ? "restart" : "reload-or-restart", UNIT));
    }

    /** The commands, as the wizard prints them when it does not run them. */
    static String commands(boolean restartNeeded) {
        return String.join("; ", steps(restartNeeded).stream().map(step -> String.join(" ", step)).toList());
    }

    /** Runs the steps; false when systemctl is missing or a step failed (said on {@code out}). */
    static boolean start(PrintStream out, Path config, boolean restartNeeded) {
        if (!Commands.exists("systemctl")) {
            out.println("systemctl is not here: start Tandem yourself with  tandem run -c " + config
                    + "  or, where systemd runs,  " + commands(restartNeeded));
            return false;
        }
        for (List<String> step : steps(restartNeeded)) {
            if (Commands.run(out, step, START_TIMEOUT_SECONDS) != 0) {
                out.println("The service did not start: see  journalctl -u " + UNIT + "  and  systemctl status "
                        + UNIT);
                return false;
            }
        }
        return true;
    }
}
