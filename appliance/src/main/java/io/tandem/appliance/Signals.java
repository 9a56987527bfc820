package io.tandem.appliance;

import sun.misc.Signal;

/**
 * What the daemon does on SIGTERM, SIGINT and SIGHUP, from before anything listens to the end of the drain.
 * Handled as signals rather than through a shutdown hook so the process can drain and then exit 0 — a shutdown hook
 * would end with status 143 — and so that SIGHUP, whose default action ends the JVM with status 129, never stops
 * a node (on a VRRP master that would leave its addresses up while the backup takes them too).
 *
 * <ul>
 * <li>The first SIGTERM or SIGINT starts the graceful stop; one that comes during startup is kept and acted on
 * once the daemon has started. A second one during the stop ends the drain at once.</li>
 * <li>SIGHUP reloads the config; one during startup reloads once started (the file may have changed after it
 * was read), one while a reload runs reloads again after it, one during the stop is logged and ignored.</li>
 * <li>SIGUSR1 is logged and ignored.</li>
 * </ul>
 */
final class Signals {
    private static final System.Logger LOG = System.getLogger(Signals.class.getName());

    /** What the running daemon offers the signals: a graceful stop, cutting that stop short, and a reload. */
    interface Actions {
        /** The graceful stop; returns when the daemon has stopped. */
        void stop();

        /** Ends a stop's drain at once (the second signal); called on the signal's own thread. */
        void stopNow();

        /** Re-reads and applies the config; returns when done. Null action: nothing to reload (the demo). */
        void reload();
    }

    private Actions actions;
    private boolean stopAsked;
    private boolean stopNowAsked;
    private boolean reloadAsked;
    private boolean reloading;
    private final boolean canReload;

    private Signals(boolean canReload) {
        this.canReload = canReload;
    }

    /**
     * Takes over SIGTERM, SIGINT, SIGHUP and SIGUSR1 now, before anything listens: a signal that comes while the daemon is
     * still starting is kept until {@link #started}. {@code canReload} is false where there is no file to reload.
     */
    static Signals install(boolean canReload) {
        Signals signals = new Signals(canReload);
        Signal.handle(new Signal("TERM"), signal -> signals.terminate("SIGTERM"));
        Signal.handle(new Signal("INT"), signal -> signals.terminate("SIGINT"));
        Signal.handle(new Signal("HUP"), signal -> signals.hangUp());
        // Its default ends the JVM at once, VIPs left up. HAProxy stops on it, nginx reopens its logs, keepalived
        // dumps its state: no meaning all three agree on, so it is only logged.
        Signal.handle(new Signal("USR1"), signal -> LOG.log(System.Logger.Level.INFO,
                "SIGUSR1: ignored (SIGTERM stops, SIGHUP reloads)"));
        return signals;
    }

    /** The daemon is up: from now on the signals act through {@code daemon}, and what came during startup runs. */
    synchronized void started(Actions daemon) {
        actions = daemon;
        if (stopAsked) {
            startStop();
            if (stopNowAsked) {
                new Thread(daemon::stopNow, "tandem-stop-now").start();
            }
        } else if (reloadAsked) {
            reloadAsked = false;
            startReload();
        }
    }

    synchronized void terminate(String name) {
        if (!stopAsked) {
            stopAsked = true;
            if (actions == null) {
                LOG.log(System.Logger.Level.INFO, name + " during startup: stopping once started");
            } else {
                startStop();
            }
        } else if (!stopNowAsked) {
            stopNowAsked = true;
            if (actions == null) {
                LOG.log(System.Logger.Level.INFO, name + " again during startup: stopping without a drain once"
                        + " started");
            } else {
                // Its own thread: the stop thread is busy waiting for the drain that this ends.
                new Thread(actions::stopNow, "tandem-stop-now").start();
            }
        }
    }

    synchronized void hangUp() {
        if (!canReload) {
            LOG.log(System.Logger.Level.INFO, "SIGHUP: ignored (this daemon has no config file to reload)");
        } else if (stopAsked) {
            LOG.log(System.Logger.Level.INFO, "SIGHUP: ignored, the daemon is stopping (the config is not reloaded)");
        } else if (actions == null) {
            reloadAsked = true;
            LOG.log(System.Logger.Level.INFO, "SIGHUP during startup: reloading once started");
        } else if (reloading) {
            reloadAsked = true;
            LOG.log(System.Logger.Level.INFO, "SIGHUP during a reload: reloading again after it");
        } else {
            startReload();
        }
    }

    private void startStop() {
        new Thread(actions::stop, "tandem-stop").start();
    }

    private void startReload() {
        reloading = true;
        Actions daemon = actions;
        new Thread(() -> {
            daemon.reload();
            reloaded();
        }, "tandem-reload").start();
    }

    private synchronized void reloaded() {
        reloading = false;
        if (reloadAsked && !stopAsked) {
            reloadAsked = false;
            startReload();
        }
    }
}
