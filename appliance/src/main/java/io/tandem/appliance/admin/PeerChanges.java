package io.tandem.appliance.admin;

import io.tandem.cluster.Outcome;
import io.tandem.cluster.ServerChange;
import io.tandem.core.balance.Server;
import io.tandem.core.config.ServerConfig;
import io.tandem.core.state.Tier;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A peer's admin change ({@code share: server-states}) run as the runtime API's own command ({@code set server
 * ... state}, {@code set weight}, {@code add server}, {@code del server}), through the same code, logged as coming
 * from that peer, and not sent back.
 */
public final class PeerChanges {
    private final Commands commands;

    public PeerChanges(RuntimeView view) {
        this.commands = new Commands(view, false);
    }

    /** Applies {@code change} from peer {@code from}; refused with the command's error (a server this node lacks). */
    public Outcome apply(ServerChange change, String from) {
        List<String> words = switch (change.setting()) {
            case STATE -> List.of("set", "server", change.server(), "state", change.value().toLowerCase(Locale.ROOT));
            case WEIGHT -> List.of("set", "weight", change.server(), change.value());
            case SERVER -> {
                if (change.value().equals(ServerChange.REMOVED)) {
                    yield List.of("del", "server", change.server());
                }
                List<String> add = new ArrayList<>(List.of("add", "server", change.server()));
                add.addAll(List.of(change.value().split(" ")));
                yield add;
            }
        };
        try {
            commands.execute(words, "shared by peer " + from);
            return Outcome.applied("applied", List.of());
        } catch (CommandException e) {
            return Outcome.refused(e.getMessage(), List.of());
        }
    }

    /** A server as the pair names it in its changes: {@code l7:app/app-01}. */
    static String name(Tier tier, String qualified) {
        return tier.name().toLowerCase(Locale.ROOT) + ":" + qualified;
    }

    /**
     * {@code servers} ({@code l7:app/app-03}) as this node runs them now, as changes to share: each one's
     * {@link ServerChange.Setting#SERVER} (its {@code add server} arguments, or {@link ServerChange#REMOVED}) and,
     * when present, its state and weight, since a peer's add starts a server afresh.
     */
    public static List<ServerChange> asRunning(RuntimeView view, List<String> servers) {
        List<ServerChange> changes = new ArrayList<>();
        for (String server : servers) {
            int slash = server.indexOf('/');
            Tier tier = server.startsWith("l4:") ? Tier.L4 : Tier.L7;
            ServerConfig config = ServerEdits.find(view.config(), tier, server.substring(server.indexOf(':') + 1,
                    slash), server.substring(slash + 1));
            changes.add(new ServerChange(server, ServerChange.Setting.SERVER,
                    config == null ? ServerChange.REMOVED : ServerEdits.options(config)));
            if (config == null) {
                continue;
            }
            try {
                Server running = ServerTarget.server(view, server).server();
                changes.add(new ServerChange(server, ServerChange.Setting.STATE,
                        running.adminState().name().toLowerCase(Locale.ROOT)));
                changes.add(new ServerChange(server, ServerChange.Setting.WEIGHT, String.valueOf(running.weight())));
            } catch (CommandException gone) {
                // Removed again since the config was read: the next reload describes it.
            }
        }
        return changes;
    }
}
