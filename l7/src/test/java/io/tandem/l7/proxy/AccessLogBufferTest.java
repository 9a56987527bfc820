package io.tandem.l7.proxy;

import io.tandem.core.config.GlobalConfig;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
        AccessLogBuffer buffer = new AccessLogBuffer(GlobalConfig.LogFormat.HTTPLOG, 1 << 20);
        buffer.log("GET / HTTP/1.1");
        buffer.log(new StringBuilder("caf\u00e9 \u20ac \ud83d\ude00"));
        buffer.log("lone \ud83d here");
        assertEquals(List.of("GET / HTTP/1.1", "caf\u00e9 \u20ac \ud83d\ude00", "lone ? here"), drain(buffer));
        assertEquals(List.of(), drain(buffer), "a drained line is handed over once");
        assertEquals(0, buffer.dropped());
    }

    @Test
    void aThreadWhoseBufferIsFullDropsAndCountsLinesUntilTheWriterDrains() throws IOException {
        AccessLogBuffer buffer = new AccessLogBuffer(GlobalConfig.LogFormat.HTTPLOG, 16 * 1024);
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
}
