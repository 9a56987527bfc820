package io.tandem.appliance;

import sun.misc.Signal;

/**
 * SIGTERM and SIGINT start a graceful stop. Handled as signals rather than through a shutdown hook so the
 * process can drain and then exit 0 — a shutdown hook would end with status 143.
 */
final class Signals {
    private Signals() {
    }

    /**
     * Takes over SIGTERM and SIGINT now, before anything listens: a signal that comes while the daemon is still
     * starting is kept and acted on once {@link Termination#onSignal} names the stop (else the process would die
     * with status 143 between its first listener opening and the handler's installation).
     */
    static Termination install() {
        Termination termination = new Termination();
        Signal.handle(new Signal("TERM"), signal -> termination.signalled());
        Signal.handle(new Signal("INT"), signal -> termination.signalled());
        return termination;
    }

    /** What a termination signal does: run the stop once, on its own thread. */
    static final class Termination {
        private Runnable stop;
        private boolean signalled;
        private boolean started;

        /** Runs {@code stop} when a signal arrives, or now if one already did. */
        synchronized void onSignal(Runnable action) {
            stop = action;
            startIfDue();
        }

        private synchronized void signalled() {
            signalled = true;
            startIfDue();
        }

        private void startIfDue() {
            if (signalled && stop != null && !started) {
                started = true;
                new Thread(stop, "tandem-stop").start();
            }
        }
    }
}
