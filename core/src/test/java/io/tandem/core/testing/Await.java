package io.tandem.core.testing;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.fail;

/** Waits on a condition instead of sleeping: polls it every few ms and fails the test when it is not met in time. */
public final class Await {
    /** How long a test waits for what should take milliseconds: generous, for a loaded 2-core CI machine. */
    public static final Duration PATIENCE = Duration.ofSeconds(20);

    private Await() {
    }

    /** Returns once {@code condition} holds; fails with {@code what} after {@link #PATIENCE}. */
    public static void until(String what, BooleanSupplier condition) throws InterruptedException {
        until(what, PATIENCE, condition);
    }

    /** Returns once {@code condition} holds; fails with {@code what} after {@code timeout}. */
    public static void until(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        until(() -> what, timeout, condition);
    }

    /** As {@link #until(String, BooleanSupplier)}, the failure message made when it fails (it shows the state then). */
    public static void until(Supplier<String> what, BooleanSupplier condition) throws InterruptedException {
        until(what, PATIENCE, condition);
    }

    private static void until(Supplier<String> what, Duration timeout, BooleanSupplier condition)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail(what.get() + ": not within " + timeout.toMillis() + " ms");
            }
            TimeUnit.MILLISECONDS.sleep(5);
        }
    }
}
