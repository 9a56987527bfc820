package io.tandem.core.stick;

/**
 * Observes local changes to a stick table's entries: what a copy of the table on another node must hear
 * (HAProxy's peers). Called on the data path, on whichever event loop made the change: an implementation only
 * records that the entry is dirty (and reads {@link StickTable#snapshot} off the data path), it never blocks.
 * Changes made by {@link StickTable#apply} are not reported, so replicated updates do not echo back.
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
