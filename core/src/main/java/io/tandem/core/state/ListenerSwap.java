package io.tandem.core.state;

import java.util.List;

/**
 * A tier's listeners made ready for a new snapshot: the sockets it adds are open (so a reload fails before anything
 * changes when one cannot be), nothing else has changed yet. {@link #apply} then makes the snapshot current, keeps
 * the sockets whose address stays, and stops those the snapshot no longer has; {@link #abandon} closes what was
 * opened. Exactly one of the two is called, once.
 */
public interface ListenerSwap {

    /** Makes the new snapshot the one new connections and requests run on; returns what changed, one line each. */
    List<String> apply();

    /** Closes the sockets opened for the new snapshot; the running one stays as it was. */
    void abandon();
}
