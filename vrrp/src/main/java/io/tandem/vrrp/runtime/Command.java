package io.tandem.vrrp.runtime;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a notify command or a tracked script: no input, output and errors captured (the first 4 KiB), killed with its
 * children after a time limit. Blocks until it ends: on an instance's exec pool only.
 */
final class Command {

    /** How a command ended: its exit code (127: could not start), its output, whether it was killed. */
    record Outcome(int exitCode, String output, boolean timedOut) {
        boolean ok() {
            return exitCode == 0 && !timedOut;
        }

        /** {@code exit 1: some output; on two lines}, {@code killed after timeout}: one line for the log. */
        String describe() {
            String out = output.strip().replaceAll("\\s*\n\\s*", "; ");
            return (timedOut ? "killed after timeout" : "exit " + exitCode) + (out.isEmpty() ? "" : ": " + out);
        }
    }

    private static final int OUTPUT_KEPT = 4096;

    private Command() {
    }

    /** Runs {@code command}, waiting up to {@code timeout} (then kills it). */
    static Outcome run(List<String> command, Duration timeout) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            StringBuilder out = new StringBuilder();
            Thread reader = new Thread(() -> {
                try (InputStream in = p.getInputStream()) {
                    byte[] bytes = in.readNBytes(OUTPUT_KEPT);
                    synchronized (out) {
                        out.append(new String(bytes, StandardCharsets.UTF_8));
                    }
                    in.transferTo(OutputStream.nullOutputStream());
                } catch (IOException e) {
                    // the process went away
                }
            });
            reader.setDaemon(true);
            reader.start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                return new Outcome(-1, "", true);
            }
            reader.join(100);
            synchronized (out) {
                return new Outcome(p.exitValue(), out.toString(), false);
            }
        } catch (IOException e) {
            return new Outcome(127, "cannot run: " + e.getMessage(), false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome(-1, "interrupted", false);
        }
    }
}
