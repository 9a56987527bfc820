package io.tandem.core.stick;

/**
 * Observes local changes to a stick table, for the cluster to replicate (HAProxy's peers). Called on the data
 * path, on whichever thread made the change: an implementation only records what changed (and later sends
 * {@link StickTable#snapshot}), it never blocks. Changes made by {@link StickTable#apply} are not reported, so
 * replicated updates do not echo back.
 */
public interface StickTableListener {

    /**
     * {@code entry} was created, its {@code server_id} set to a new value, one of its counters counted, or its
     * expiry refreshed (see {@link StickTable#refreshReportMillis}).
     */
    void entryUpdated(StickTable table, StickEntry entry);

    /** The entry of {@code key} was removed ({@link StickTable#remove}). */
    void entryRemoved(StickTable table, String key);

    /** Every entry was removed ({@link StickTable#clear}). */
    void cleared(StickTable table);
}
