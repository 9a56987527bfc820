package io.tandem.vrrp.runtime;

/**
 * A tracked script's verdict from its results, keepalived's {@code fall} and {@code rise}: up to begin with, down
 * after {@code fall} failures in a row, up again after {@code rise} successes in a row. Pure.
 */
final class FallRise {
    private final int fall;
    private final int rise;
    private int failures;
    private int successes;
    private boolean down;

    FallRise(int fall, int rise) {
        if (fall < 1 || rise < 1) {
            throw new IllegalArgumentException("fall and rise must be at least 1: " + fall + ", " + rise);
        }
        this.fall = fall;
        this.rise = rise;
    }

    /** Counts one result. @return whether the script is down now */
    boolean record(boolean ok) {
        if (ok) {
            failures = 0;
            successes = Math.min(successes + 1, rise); // capped: a script that runs for years never wraps around
            down &= successes < rise;
        } else {
            successes = 0;
            failures = Math.min(failures + 1, fall);
            down |= failures >= fall;
        }
        return down;
    }

    boolean isDown() {
        return down;
    }
}
