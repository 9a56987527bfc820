package io.tandem.cluster;

import io.tandem.core.stick.StickUpdate;

/** One change to a replicated stick table, as it travels between the nodes. */
sealed interface TableOp {

    /** The table's name on both nodes ({@code l7 frontend/web}). */
    String table();

    /**
     * An entry's state: its server (with the server's version) and node {@code share}'s counters, the node that
     * counted them (the sender's own, or, in a full sync, another node's share the sender holds).
     */
    record Update(String table, String share, StickUpdate update) implements TableOp {
    }

    /** An entry removed on the sender ({@code clear table key}). */
    record Remove(String table, String key) implements TableOp {
    }

    /** Every entry of the table removed on the sender. */
    record Clear(String table) implements TableOp {
    }
}
