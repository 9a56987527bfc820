package io.tandem.appliance.setup;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the system commands the wizard applies with (systemctl, ifup, hostname), each bounded in time. */
final class Commands {
    private Commands() {
    }

    /** True when {@code name} is an executable on PATH. */
    static boolean exists(String name) {
        String path = System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Runs {@code command} with its output indented under the wizard's; returns its exit status, or -1 when it
     * could not start or did not finish within {@code timeoutSeconds} (it is then killed).
     */
    static int run(PrintStream out, List<String> command, int timeoutSeconds) {
        out.println("$ " + String.join(" ", command));
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.PIPE)
                    .start();
        } catch (IOException e) {
            out.println("  could not run it: " + e.getMessage());
            return -1;
        }
        try {
            process.getOutputStream().close();
            Thread reader = new Thread(() -> copy(process, out), "setup-command-output");
            reader.setDaemon(true);
            reader.start();
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                out.println("  no answer after " + timeoutSeconds + " s: stopped it");
                return -1;
            }
            reader.join(TimeUnit.SECONDS.toMillis(5));
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            return -1;
        } catch (IOException e) {
            process.destroyForcibly();
            return -1;
        }
    }

    private static void copy(Process process, PrintStream out) {
        try {
            new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines()
                    .forEach(line -> out.println("  " + line));
        } catch (IOException e) {
            out.println("  (its output could not be read: " + e.getMessage() + ")");
        }
    }
}
