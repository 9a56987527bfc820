package io.tandem.appliance;

import sun.misc.Signal;

/**
 * SIGTERM and SIGINT start a graceful stop. Handled as signals rather than through a shutdown hook so the
 * process can drain and then exit 0 — a shutdown hook would end with status 143.
 */
final class Signals {
    private Signals() {
    }

    /** Runs {@code stop} once, on its own thread, when SIGTERM or SIGINT arrives. */
    static void onTermination(Runnable stop) {
        Runnable once = new Runnable() {
            private boolean started;

            @Override
            public synchronized void run() {
                if (!started) {
                    started = true;
                    Thread thread = new Thread(stop, "tandem-stop");
                    thread.start();
                }
            }
        };
        Signal.handle(new Signal("TERM"), signal -> once.run());
        Signal.handle(new Signal("INT"), signal -> once.run());
    }
}
