package io.tandem.l7.proxy;

import io.tandem.core.config.GlobalConfig;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AccessLogBufferTest {

    /** The lines drained, each decoded as UTF-8 without its line feed. */
    private static List<String> drain(AccessLogBuffer buffer) throws IOException {
        List<String> lines = new ArrayList<>();
        buffer.drain((bytes, length) -> {
            assertEquals('\n', bytes[length - 1], "a drained batch ends with a whole line");
            for (String line : new String(bytes, 0, length - 1, StandardCharsets.UTF_8).split("\n", -1)) {
                lines.add(line);
            }
        });
        return lines;
    }

    @Test
    void linesAreDrainedInOrderAsUtf8AndALoneSurrogateBecomesAQuestionMark() throws IOException {
        AccessLogBuffer buffer = new AccessLogBuffer(GlobalConfig.LogFormat.HTTPLOG, 1 << 20, Duration.ofSeconds(1));
        buffer.log("GET / HTTP/1.1");
        buffer.log(new StringBuilder("caf\u00e9 \u20ac \ud83d\ude00"));
        buffer.log("lone \ud83d here");
        assertEquals(List.of("GET / HTTP/1.1", "caf\u00e9 \u20ac \ud83d\ude00", "lone ? here"), drain(buffer));
        assertEquals(List.of(), drain(buffer), "a drained line is handed over once");
        assertEquals(0, buffer.dropped());
    }

    @Test
    void aThreadWhoseBufferIsFullDropsAndCountsLinesUntilTheWriterDrains() throws IOException {
        AccessLogBuffer buffer = new AccessLogBuffer(GlobalConfig.LogFormat.HTTPLOG, 16 * 1024, Duration.ofSeconds(1));
        String line = "x".repeat(1000);
        int logged = 0;
        while (buffer.dropped() == 0) {
            buffer.log(line);
            logged++;
            assertTrue(logged < 1000, "a 16 KiB buffer took " + logged + " lines of 1000 bytes");
        }
        List<String> kept = drain(buffer);
        assertEquals(logged - 1, kept.size(), "every line before the first drop is kept");
        assertTrue(kept.stream().allMatch(line::equals), "a kept line is whole");
        buffer.log("after the writer caught up");
        assertEquals(List.of("after the writer caught up"), drain(buffer));
        assertEquals(1, buffer.dropped());
    }

    /** Logs 1 500 lines of 200 bytes before draining them: the buffer grows past 256 KiB. */
    private static void burst(AccessLogBuffer buffer, String line) throws IOException {
        for (int i = 0; i < 1500; i++) {
            buffer.log(line);
        }
        assertEquals(1500, drain(buffer).size());
        assertTrue(buffer.heldBytes() >= 256 * 1024, "the burst grew the buffer past 256 KiB: " + buffer.heldBytes());
    }

    /** Logs and drains one line at a time, {@code rounds} times. */
    private static void trickle(AccessLogBuffer buffer, String line, int rounds) throws IOException {
        for (int round = 0; round < rounds; round++) {
            buffer.log(line);
            assertEquals(List.of(line), drain(buffer));
        }
    }

    @Test
    void theBuffersABurstGrewShrinkBackOnceTheLinesAreFewAgain() throws IOException {
        AccessLogBuffer buffer = new AccessLogBuffer(GlobalConfig.LogFormat.HTTPLOG, 1 << 20, Duration.ZERO);
        String line = "y".repeat(200);
        burst(buffer, line);
        trickle(buffer, line, 20);
        assertTrue(buffer.heldBytes() <= 2 * 16 * 1024, "still held after the burst: " + buffer.heldBytes());
        assertEquals(0, buffer.dropped());
    }

    @Test
    void aBufferMostlyEmptyForLessThanThePeriodKeepsItsSize() throws IOException {
        AccessLogBuffer buffer = new AccessLogBuffer(GlobalConfig.LogFormat.HTTPLOG, 1 << 20, Duration.ofHours(1));
        String line = "y".repeat(200);
        burst(buffer, line);
        long grown = buffer.heldBytes();
        trickle(buffer, line, 20);
        // Under load the writer drains often and each batch is small: halving then would make the loop regrow it.
        assertTrue(buffer.heldBytes() >= grown, "shrunk within the period: " + buffer.heldBytes() + " < " + grown);
    }
}
