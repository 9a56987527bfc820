package io.tandem.packaging;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;

/** Runs the command-line tools the packaging tests use, exit code checked. */
final class Tool {
    private static final long TIMEOUT_SECONDS = 300;

    private Tool() {
    }

    /** The exit code and what the command printed on stdout and stderr together. */
    record Result(int exitCode, String output) {
    }

    /** Runs the command and returns its output; fails the test unless it exits 0. */
    static String run(String... command) throws IOException, InterruptedException {
        Result result = exec(command);
        if (result.exitCode() != 0) {
            fail(String.join(" ", command) + " exited " + result.exitCode() + ":\n" + result.output());
        }
        return result.output();
    }

    /** Runs the command and returns its exit code and output, whatever the code. */
    static Result exec(String... command) throws IOException, InterruptedException {
        Path output = Files.createTempFile("tandem-tool", ".out");
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(output.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .start();
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                fail(String.join(" ", command) + " did not finish in " + TIMEOUT_SECONDS + " s");
            }
            return new Result(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(output);
        }
    }
}
