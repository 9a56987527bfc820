package io.tandem.vrrp.runtime;

import io.tandem.vrrp.VrrpState;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * keepalived's {@code notify}: on every state change, {@code COMMAND INSTANCE NAME STATE PRIORITY} runs on the
 * instance's exec pool (so a slow script delays nothing) and its outcome is logged.
 */
final class Notifier {
    private static final System.Logger LOG = System.getLogger(Notifier.class.getName());
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final String instance;
    private final String command;
    private final Executor exec;

    Notifier(String instance, String command, Executor exec) {
        this.instance = instance;
        this.command = command;
        this.exec = exec;
    }

    /** Runs the command for the move to {@code to} at {@code priority}; returns at once. */
    void notify(VrrpState to, int priority) {
        List<String> args = arguments(command, instance, to, priority);
        exec.execute(() -> {
            Command.Outcome outcome = Command.run(args, TIMEOUT);
            LOG.log(outcome.ok() ? System.Logger.Level.INFO : System.Logger.Level.WARNING, "vrrp " + instance
                    + ": notify " + String.join(" ", args) + ": " + outcome.describe());
        });
    }

    /** The command's words, then {@code INSTANCE NAME STATE PRIORITY}; STOPPED is keepalived's {@code STOP}. */
    static List<String> arguments(String command, String instance, VrrpState to, int priority) {
        List<String> args = new ArrayList<>(List.of(command.trim().split("\\s+")));
        args.addAll(List.of("INSTANCE", instance, to == VrrpState.STOPPED ? "STOP" : to.name(),
                String.valueOf(priority)));
        return args;
    }
}
