package io.tandem.appliance.setup;

/** What the node is: alone, or the first or second node of a VRRP pair. */
enum Role {
    STANDALONE("standalone", 0), FIRST("first", 150), SECOND("second", 100);

    private final String word;
    private final int defaultPriority;

    Role(String word, int defaultPriority) {
        this.word = word;
        this.defaultPriority = defaultPriority;
    }

    /** The answer that selects this role. */
    String word() {
        return word;
    }

    /** The VRRP priority offered by default: the first node wins the election while both are up. */
    int defaultPriority() {
        return defaultPriority;
    }

    boolean pair() {
        return this != STANDALONE;
    }
}
