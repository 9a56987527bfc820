package io.tandem.core.state;

/** Where one object of the runtime state is filed: what it is, its tier, and its qualified name in that tier. */
record StateKey(Kind kind, Tier tier, String name) {

    /** The kinds of object the state keeps, each with its own rule for when a recompile reuses it. */
    enum Kind { SERVER, POOL, TABLE, SHARED }

    @Override
    public String toString() {
        return tier + " " + kind.name().toLowerCase(java.util.Locale.ROOT) + " " + name;
    }
}
