package io.tandem.cluster;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The admin changes this node knows of, newest per server and setting ({@code share: server-states}). A version is
 * a Lamport time (one more than any this node has seen) and the node that made it breaks a tie, so both nodes keep
 * the same change whatever order the changes arrive in. A joining node receives the whole table in its state
 * transfer; after a partition heals, each side sends it again.
 */
final class AdminStates {

    /** A change with its version. */
    record Entry(ServerChange change, long version, String origin) {
        boolean newerThan(Entry other) {
            return other == null || version > other.version()
                    || (version == other.version() && origin.compareTo(other.origin()) > 0);
        }

        String key() {
            return change.server() + " " + change.setting();
        }
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
        entries.put(entry.key(), entry);
        return entry;
    }

    /** Keeps a peer's change when it is newer than the one held; @return whether it was */
    synchronized boolean offer(Entry entry) {
        clock = Math.max(clock, entry.version());
        Entry now = entries.get(entry.key());
        if (!entry.newerThan(now)) {
            return false;
        }
        entries.put(entry.key(), entry);
        return true;
    }

    /** The change held for the same server and setting as {@code entry}. */
    synchronized Entry current(Entry entry) {
        return entries.get(entry.key());
    }

    synchronized List<Entry> all() {
        return new ArrayList<>(entries.values());
    }
}
