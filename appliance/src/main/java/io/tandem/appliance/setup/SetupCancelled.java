package io.tandem.appliance.setup;

/** The operator left the wizard (Ctrl-C, or the end of the input) before anything was written. */
final class SetupCancelled extends Exception {
    private static final long serialVersionUID = 1L;
    private final int exitCode;

    SetupCancelled(String why, int exitCode) {
        super(why, null, false, false);
        this.exitCode = exitCode;
    }

    /** 130 for Ctrl-C (as a shell reports SIGINT), 1 for the end of the input. */
    int exitCode() {
        return exitCode;
    }
}
