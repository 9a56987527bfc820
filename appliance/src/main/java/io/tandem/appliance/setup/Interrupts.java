package io.tandem.appliance.setup;

import sun.misc.Signal;

import java.io.PrintStream;

/**
 * What Ctrl-C (SIGINT) does: before the apply nothing has been written, so the wizard says so and exits 130; during
 * the apply it is held off until the files are in place, so no file is left half-written.
 */
final class Interrupts {
    static final String CANCELLED = "Setup cancelled: nothing was written.";
    private final PrintStream out;
    private volatile boolean applying;

    Interrupts(PrintStream out) {
        this.out = out;
    }

    /** Takes SIGINT through the JVM's signal handling, where no console library holds it. */
    static void onSigint(Runnable action) {
        Signal.handle(new Signal("INT"), signal -> action.run());
    }

    /** The apply starts: from now on Ctrl-C waits for it to finish. */
    void applying() {
        applying = true;
    }

    void interrupted() {
        if (applying) {
            out.println();
            out.println("Ctrl-C: the setup is being applied; it finishes, so that no file is left half-written.");
            return;
        }
        out.println();
        out.println(CANCELLED);
        out.flush();
        System.exit(130);
    }
}
