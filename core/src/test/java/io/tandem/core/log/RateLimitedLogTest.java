package io.tandem.core.log;

import io.tandem.core.testing.Await;
import io.tandem.core.testing.LogLines;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

class RateLimitedLogTest {
    private static final System.Logger LOG = System.getLogger(RateLimitedLogTest.class.getName());

    @Test
    void theFirstEventIsLoggedAtOnceTheRestOfABurstIsCountedOnTheNextLine() throws Exception {
        try (LogLines lines = LogLines.capture()) {
            RateLimitedLog log = new RateLimitedLog(LOG, System.Logger.Level.WARNING, TimeUnit.SECONDS.toNanos(2));
            for (int i = 0; i < 500; i++) {
                int n = i;
                log.event(() -> "burst event " + n);
            }
            assertEquals(List.of("WARNING burst event 0"), lines.containing("burst event"));
            Thread.sleep(2100); // the quiet period passes
            log.event(() -> "burst event after");
            Await.until(() -> "second line: " + lines.all(), () -> lines.containing("burst event").size() == 2);
            assertEquals("WARNING burst event after; 499 more since the last report",
                    lines.containing("burst event").get(1));
        }
    }

    @Test
    void aSuppressedEventDoesNotBuildItsLine() {
        RateLimitedLog log = new RateLimitedLog(LOG, System.Logger.Level.WARNING);
        int[] built = {0};
        for (int i = 0; i < 100; i++) {
            log.event(() -> "built " + ++built[0]);
        }
        assertEquals(1, built[0]);
    }
}
