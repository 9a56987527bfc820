package io.tandem.core.stick;

import java.util.List;

/**
 * One entry's state in the form another node applies: times are relative (milliseconds from now), so the
 * nodes' clocks need not agree. Produced by {@link StickTable#snapshot}, consumed by {@link StickTable#apply}.
 *
 * @param key             the normalised key
 * @param serverId        the server the key sticks to, or null
 * @param expiresInMillis how long the entry lives on without a touch; {@link Long#MAX_VALUE} when the table has
 *                        no {@code expire}
 * @param values          the stored counters
 * @param serverVersion   the version of {@code serverId} ({@link StickTable#apply} keeps the newer of two); 0
 *                        for an unversioned update, which is always applied
 */
public record StickUpdate(String key, String serverId, long expiresInMillis, List<Value> values, long serverVersion) {

    public StickUpdate {
        values = List.copyOf(values);
    }

    /** An update whose server carries no version (applied whatever the version held, as a manual set is). */
    public StickUpdate(String key, String serverId, long expiresInMillis, List<Value> values) {
        this(key, serverId, expiresInMillis, values, 0);
    }

    /**
     * One counter: for a {@code _cnt}, {@code current} is the count; for a rate, the counts of the current and
     * previous periods and how far into its period the current one is.
     */
    public record Value(StickData data, long current, long previous, long periodAgeMillis) {
    }
}
