package io.tandem.core.testing;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * What a test needs from the machine (a program, root, a kernel behaviour): when it is missing the test fails under
 * {@code CI=true}, where .ci/run provides everything, and is skipped with the reason elsewhere. The one place that
 * rule lives, so that no test can skip in CI.
 */
public final class Prerequisites {
    private Prerequisites() {
    }

    /** True when this JVM runs under CI ({@code CI=true}). */
    public static boolean inCi() {
        return "true".equals(System.getenv("CI"));
    }

    /** Fails (CI) or skips the test with {@code missing} unless {@code met}. */
    public static void require(boolean met, String missing) {
        if (met) {
            return;
        }
        if (inCi()) {
            fail(missing + ", and CI=true: .ci/run provides it, so this test must run in CI");
        }
        Assumptions.assumeTrue(false, missing);
    }

    /** {@link #require} that {@code program} is on PATH, installed by Debian package {@code debianPackage}. */
    public static void requireOnPath(String program, String debianPackage) {
        boolean found = Stream.of(System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":"))
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, program)));
        require(found, program + " is not installed (apt-get install " + debianPackage + ")");
    }

    /** {@link #require} that {@code program} is executable, installed by Debian package {@code debianPackage}. */
    public static void requireExecutable(Path program, String debianPackage) {
        require(Files.isExecutable(program), program + " is not installed (apt-get install " + debianPackage + ")");
    }
}
