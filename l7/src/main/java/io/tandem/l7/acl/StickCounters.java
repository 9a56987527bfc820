package io.tandem.l7.acl;

import io.tandem.core.stick.StickEntry;
import io.tandem.core.stick.StickEvent;

/**
 * The stick counters sc0, sc1 and sc2 of one request: which table entry each tracks. Tracking counts the request
 * in the entry, and the connection too on the connection's first request (Tandem's stand-in for HAProxy's
 * {@code tcp-request connection track-sc}). Used on one event loop; no locking.
 */
public final class StickCounters {
    /** How many counters a request has: sc0, sc1, sc2 (HAProxy's default {@code tune.stick-counters}). */
    public static final int COUNT = 3;

    private final boolean newConnection;
    private StickEntry sc0;
    private StickEntry sc1;
    private StickEntry sc2;

    /** Counters for a request; {@code newConnection} when it is the first request of its client connection. */
    public StickCounters(boolean newConnection) {
        this.newConnection = newConnection;
    }

    /** The entry counter {@code counter} tracks, or null. */
    public StickEntry get(int counter) {
        return switch (counter) {
            case 0 -> sc0;
            case 1 -> sc1;
            case 2 -> sc2;
            default -> null;
        };
    }

    /**
     * Tracks {@code entry} with counter {@code counter} and counts the request in it; false, changing nothing,
     * when the counter already tracks an entry (HAProxy ignores a later {@code track-scN} for the same N).
     */
    public boolean track(int counter, StickEntry entry) {
        if (get(counter) != null) {
            return false;
        }
        switch (counter) {
            case 0 -> sc0 = entry;
            case 1 -> sc1 = entry;
            case 2 -> sc2 = entry;
            default -> throw new IllegalArgumentException("no stick counter " + counter);
        }
        entry.table().count(entry, StickEvent.HTTP_REQUEST);
        if (newConnection) {
            entry.table().count(entry, StickEvent.CONNECTION);
        }
        return true;
    }

    /** Counts an HTTP error (a 4xx answer) in every tracked entry. */
    public void countHttpError() {
        for (int i = 0; i < COUNT; i++) {
            StickEntry entry = get(i);
            if (entry != null) {
                entry.table().count(entry, StickEvent.HTTP_ERROR);
            }
        }
    }
}
