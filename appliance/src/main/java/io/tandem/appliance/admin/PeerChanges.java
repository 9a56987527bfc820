package io.tandem.appliance.admin;

import io.tandem.cluster.Outcome;
import io.tandem.cluster.ServerChange;

import java.util.List;
import java.util.Locale;

/**
 * A peer's admin change ({@code share: server-states}) run as the runtime API's own command ({@code set server
 * ... state}, {@code set weight}), through the same code, logged as coming from that peer, and not sent back.
 */
public final class PeerChanges {
    private final Commands commands;

    public PeerChanges(RuntimeView view) {
        this.commands = new Commands(view, false);
    }

    /** Applies {@code change} from peer {@code from}; refused with the command's error (a server this node lacks). */
    public Outcome apply(ServerChange change, String from) {
        List<String> words = change.setting() == ServerChange.Setting.STATE
                ? List.of("set", "server", change.server(), "state", change.value().toLowerCase(Locale.ROOT))
                : List.of("set", "weight", change.server(), change.value());
        try {
            commands.execute(words, "shared by peer " + from);
            return Outcome.applied("applied", List.of());
        } catch (CommandException e) {
            return Outcome.refused(e.getMessage(), List.of());
        }
    }
}
