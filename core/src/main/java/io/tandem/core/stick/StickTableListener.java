package io.tandem.core.stick;

/**
 * Observes local changes to a stick table's entries: what a copy of the table on another node must hear
 * (HAProxy's peers). Called on the data path, on whichever event loop made the change: an implementation only
 * records that the entry is dirty (and reads {@link StickTable#snapshot} off the data path), it never blocks.
 * Changes made by {@link StickTable#apply} are not reported, so replicated updates do not echo back.
 */
@FunctionalInterface
public interface StickTableListener {

    /** {@code entry} changed: its {@code server_id} was set to a new value, or one of its counters counted. */
    void entryUpdated(StickTable table, StickEntry entry);
}
