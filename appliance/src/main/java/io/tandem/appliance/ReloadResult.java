package io.tandem.appliance;

import java.util.List;

/**
 * What one reload did, for the log, SIGHUP and the runtime API's {@code reload}: whether the new config was applied;
 * the errors that refused it ({@code FILE:LINE:COL: message}, or a listener that could not open — nothing changed
 * then); what changed (listeners, frontends, backends, servers, L4 services, VRRP instances), one line each; and
 * the settings the file changes that only a restart applies (the running value is kept).
 */
public record ReloadResult(boolean applied, List<String> errors, List<String> changes, List<String> restartNeeded) {

    public ReloadResult {
        errors = List.copyOf(errors);
        changes = List.copyOf(changes);
        restartNeeded = List.copyOf(restartNeeded);
    }

    /** A reload that changed nothing because of {@code errors}. */
    static ReloadResult refused(List<String> errors) {
        return new ReloadResult(false, errors, List.of(), List.of());
    }

    /** One line: {@code applied: 3 change(s), 1 setting(s) need a restart} or {@code refused: 2 error(s)}. */
    public String summary() {
        if (!applied) {
            return "refused: " + errors.size() + " error(s), nothing changed";
        }
        return "applied: " + (changes.isEmpty() ? "no change" : changes.size() + " change(s)")
                + (restartNeeded.isEmpty() ? "" : ", " + restartNeeded.size() + " setting(s) need a restart")
                + (errors.isEmpty() ? "" : ", " + errors.size() + " error(s)");
    }
}
