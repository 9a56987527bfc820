package io.tandem.core.net;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Deadlines never overflow, whatever duration they are built from. */
class DeadlineTest {

    @Test
    void aDurationBeyondWhatNanosecondsHoldIsAFarDeadlineNotAnOverflow() {
        for (Duration huge : new Duration[] {Duration.ofDays(200_000), Duration.ofDays(99_999_999_999L),
                Duration.ofSeconds(Long.MAX_VALUE)}) {
            Deadline deadline = Deadline.after(huge);
            assertFalse(deadline.passed(), huge.toString());
            assertTrue(deadline.remaining().compareTo(Duration.ofDays(365 * 70)) > 0, huge.toString());
        }
    }

    @Test
    void zeroAndNegativeWaitsHaveAlreadyPassed() {
        assertTrue(Deadline.after(Duration.ZERO).passed());
        assertTrue(Deadline.after(Duration.ofSeconds(-5)).passed());
        assertEquals(Duration.ZERO, Deadline.after(Duration.ofSeconds(-5)).remaining());
    }

    @Test
    void aShortDeadlinePassesAfterItsWait() throws InterruptedException {
        Deadline deadline = Deadline.after(Duration.ofMillis(20));
        while (!deadline.passed()) {
            Thread.sleep(5);
        }
        assertEquals(Duration.ZERO, deadline.remaining());
    }
}
