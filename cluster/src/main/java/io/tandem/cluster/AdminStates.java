package io.tandem.cluster;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The admin changes this node knows of, newest per server and setting ({@code share: server-states}). A version is
 * a Lamport time (one more than any this node has seen) and the node that made it breaks a tie, so both nodes keep
 * the same change whatever order the changes arrive in. A joining node receives the whole table in its state
 * transfer; after a partition heals, each side sends it again. A server added or removed ({@code SERVER}) starts
 * afresh: the state and weight changes made before it are dropped, and one that arrives late is refused.
 */
final class AdminStates {

    /** A change with its version. */
    record Entry(ServerChange change, long version, String origin) {
        boolean newerThan(Entry other) {
            return other == null || version > other.version()
                    || (version == other.version() && origin.compareTo(other.origin()) > 0);
        }

        String key() {
            return AdminStates.key(change.server(), change.setting());
        }
    }

    private static String key(String server, ServerChange.Setting setting) {
        return server + " " + setting;
    }

    private final String node;
    private final Map<String, Entry> entries = new HashMap<>();
    private long clock;

    AdminStates(String node) {
        this.node = node;
    }

    /** A change made on this node: newer than every change seen. */
    synchronized Entry local(ServerChange change) {
        Entry entry = new Entry(change, ++clock, node);
        hold(entry);
        return entry;
    }

    /** Keeps a peer's change when it is newer than the one held; @return whether it was */
    synchronized boolean offer(Entry entry) {
        clock = Math.max(clock, entry.version());
        Entry now = entries.get(entry.key());
        if (!entry.newerThan(now) || stale(entry)) {
            return false;
        }
        hold(entry);
        return true;
    }

    /** A state or weight made before its server was last added or removed: it was of the server before. */
    private boolean stale(Entry entry) {
        if (entry.change().setting() == ServerChange.Setting.SERVER) {
            return false;
        }
        Entry server = entries.get(key(entry.change().server(), ServerChange.Setting.SERVER));
        return server != null && !entry.newerThan(server);
    }

    private void hold(Entry entry) {
        entries.put(entry.key(), entry);
        if (entry.change().setting() == ServerChange.Setting.SERVER) {
            entries.values().removeIf(e -> e.change().server().equals(entry.change().server())
                    && e.change().setting() != ServerChange.Setting.SERVER && entry.newerThan(e));
        }
    }

    /** The change that {@code entry} lost to: the one held for its server and setting, or its server's add or remove. */
    synchronized Entry current(Entry entry) {
        Entry held = entries.get(entry.key());
        return held != null && !entry.newerThan(held) ? held
                : entries.get(key(entry.change().server(), ServerChange.Setting.SERVER));
    }

    /**
     * Every change held, oldest first (by version, then node): applied in this order, a server is added before its
     * state is set, as on the node that made both.
     */
    synchronized List<Entry> all() {
        List<Entry> all = new ArrayList<>(entries.values());
        all.sort(Comparator.comparingLong(Entry::version).thenComparing(Entry::origin));
        return all;
    }

    /** The servers added or removed by the runtime API, as held now ({@link ServerChange.Setting#SERVER}). */
    synchronized List<String> runtimeServers() {
        return entries.values().stream().filter(e -> e.change().setting() == ServerChange.Setting.SERVER)
                .map(e -> e.change().server()).sorted().toList();
    }
}
