package io.tandem.appliance;

import io.tandem.core.testing.Prerequisites;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Debian's headless Chromium, run once per call with a profile of its own: the DOM a page has after its scripts
 * ran for a budget of virtual time, or a screenshot of it. Missing, it skips the test (fails it when CI=true).
 */
final class Chromium {
    private static final String PROGRAM = "chromium";
    private static final long TIMEOUT_SECONDS = 120;

    private Chromium() {
    }

    static void require() {
        Prerequisites.requireOnPath(PROGRAM, "chromium");
    }

    /** The serialized DOM of {@code url} after {@code budgetMillis} of virtual time. */
    static String dumpDom(String url, int budgetMillis) throws IOException, InterruptedException {
        return run(List.of("--dump-dom", "--virtual-time-budget=" + budgetMillis, url));
    }

    /** Saves a {@code width}x{@code height} screenshot of {@code url} to {@code png} after a virtual-time budget. */
    static void screenshot(String url, int budgetMillis, Path png, int width, int height)
            throws IOException, InterruptedException {
        run(List.of("--screenshot=" + png.toAbsolutePath(), "--window-size=" + width + "," + height,
                "--hide-scrollbars", "--virtual-time-budget=" + budgetMillis, url));
        if (!Files.isRegularFile(png) || Files.size(png) == 0) {
            fail("chromium wrote no screenshot to " + png);
        }
    }

    private static String run(List<String> arguments) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory("tandem-chromium");
        Path output = Files.createTempFile("tandem-chromium", ".out");
        Path errors = Files.createTempFile("tandem-chromium", ".err");
        try {
            List<String> command = new ArrayList<>(List.of(PROGRAM, "--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--no-first-run", "--user-data-dir=" + profile));
            command.addAll(arguments);
            Process process = new ProcessBuilder(command).redirectOutput(output.toFile())
                    .redirectError(errors.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .start();
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                fail("chromium did not finish in " + TIMEOUT_SECONDS + " s: " + Files.readString(errors));
            }
            if (process.exitValue() != 0) {
                fail("chromium exited " + process.exitValue() + ": " + Files.readString(errors));
            }
            return Files.readString(output, StandardCharsets.UTF_8);
        } finally {
            Files.deleteIfExists(output);
            Files.deleteIfExists(errors);
            try (Stream<Path> files = Files.walk(profile)) {
                files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
            }
        }
    }
}
