package io.tandem.vrrp.runtime;

import io.tandem.core.config.VrrpInstanceConfig.TrackScript;

import java.util.List;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * A tracked script ({@code track.scripts}): {@link #runIfIdle} starts it on the exec pool unless it is still running;
 * its result comes back to the instance's thread, where {@link FallRise} turns results into up or down.
 */
final class TrackedScript {
    private static final System.Logger LOG = System.getLogger(TrackedScript.class.getName());

    private final String instance;
    private final TrackScript script;
    private final Executor exec;
    private final Executor instanceThread;
    private final Consumer<Boolean> downChanged;
    private final FallRise fallRise;
    // Instance-thread state.
    private boolean running;

    /** {@code downChanged} hears, on {@code instanceThread}, whether the script is down after each result. */
    TrackedScript(String instance, TrackScript script, Executor exec, Executor instanceThread,
                  Consumer<Boolean> downChanged) {
        this.instance = instance;
        this.script = script;
        this.exec = exec;
        this.instanceThread = instanceThread;
        this.downChanged = downChanged;
        this.fallRise = new FallRise(script.fall(), script.rise());
    }

    /** What the tracking calls {@code script}: {@code script 'COMMAND'}. */
    static String what(TrackScript script) {
        return "script '" + script.command() + "'";
    }

    /** On the instance's thread, every interval. */
    void runIfIdle() {
        if (running) {
            return;
        }
        running = true;
        exec.execute(() -> {
            Command.Outcome outcome = Command.run(List.of("/bin/sh", "-c", script.command()), script.timeout());
            instanceThread.execute(() -> finished(outcome));
        });
    }

    private void finished(Command.Outcome outcome) {
        running = false;
        boolean wasDown = fallRise.isDown();
        boolean down = fallRise.record(outcome.ok());
        if (down && !wasDown) {
            LOG.log(System.Logger.Level.INFO, "vrrp " + instance + ": " + what(script) + ": " + outcome.describe());
        }
        downChanged.accept(down);
    }
}
