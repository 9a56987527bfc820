package io.tandem.vrrp.runtime;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** A tracked script's fall and rise, counted without running anything. */
class FallRiseTest {

    @Test
    void downOnlyAfterFallFailuresInARow() {
        FallRise f = new FallRise(3, 1);
        assertFalse(f.record(false));
        assertFalse(f.record(false));
        assertFalse(f.record(true), "a success starts the count again");
        assertFalse(f.record(false));
        assertFalse(f.record(false));
        assertTrue(f.record(false), "third failure in a row");
        assertTrue(f.record(false), "stays down");
    }

    @Test
    void upAgainOnlyAfterRiseSuccessesInARow() {
        FallRise f = new FallRise(1, 2);
        assertTrue(f.record(false));
        assertTrue(f.record(true), "one success is not enough");
        assertTrue(f.record(false), "a failure starts the count again");
        assertTrue(f.record(true));
        assertFalse(f.record(true), "second success in a row");
        assertFalse(f.isDown());
    }

    @Test
    void upToBeginWith() {
        FallRise f = new FallRise(2, 2);
        assertFalse(f.isDown());
        assertFalse(f.record(true), "a success while up keeps it up");
    }

    @Test
    void fallAndRiseOfOneFollowEachResult() {
        FallRise f = new FallRise(1, 1);
        assertTrue(f.record(false));
        assertFalse(f.record(true));
        assertTrue(f.record(false));
    }

    @Test
    void fallOrRiseBelowOneIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new FallRise(0, 1));
        assertThrows(IllegalArgumentException.class, () -> new FallRise(1, 0));
    }
}
