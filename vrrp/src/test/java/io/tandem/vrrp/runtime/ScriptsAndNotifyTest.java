package io.tandem.vrrp.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.tandem.core.config.VrrpInstanceConfig.TrackScript;
import io.tandem.vrrp.VrrpState;

/** Tracked scripts and notify commands as real processes, run in the test's thread (no instance, no root). */
class ScriptsAndNotifyTest {
    private static final Executor HERE = Runnable::run;

    @TempDir
    Path dir;

    @Test
    void aCommandsExitCodeAndOutputAreKeptOnOneLine() {
        Command.Outcome o = Command.run(List.of("/bin/sh", "-c", "echo out; echo err >&2; exit 3"),
                Duration.ofSeconds(10));
        assertEquals(3, o.exitCode());
        assertFalse(o.ok());
        assertEquals("exit 3: out; err", o.describe());
        assertTrue(Command.run(List.of("/bin/true"), Duration.ofSeconds(10)).ok());
    }

    @Test
    void aCommandThatOutlivesItsTimeoutIsKilled() {
        long t0 = System.nanoTime();
        Command.Outcome o = Command.run(List.of("/bin/sleep", "30"), Duration.ofMillis(200));
        assertTrue(o.timedOut());
        assertEquals("killed after timeout", o.describe());
        assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(10).toNanos(), "killed, not waited for");
    }

    @Test
    void aCommandThatCannotStartSaysSo() {
        Command.Outcome o = Command.run(List.of(dir.resolve("missing").toString()), Duration.ofSeconds(10));
        assertEquals(127, o.exitCode());
        assertTrue(o.describe().startsWith("exit 127: cannot run: "), o.describe());
    }

    @Test
    void notifyRunsTheCommandWithKeepalivedsArguments() throws Exception {
        Path log = dir.resolve("notified");
        Path script = dir.resolve("notify.sh");
        Files.writeString(script, "#!/bin/sh\necho \"$@\" >> " + log + "\n");
        assertTrue(script.toFile().setExecutable(true));
        Notifier notifier = new Notifier("VI_1", script + "  --from-tandem", HERE);
        notifier.notify(VrrpState.MASTER, 150);
        notifier.notify(VrrpState.STOPPED, 150);
        assertEquals("--from-tandem INSTANCE VI_1 MASTER 150\n--from-tandem INSTANCE VI_1 STOP 150\n",
                Files.readString(log));
    }

    @Test
    void aTrackedScriptGoesDownAfterFallFailuresAndUpAfterRiseSuccesses() throws Exception {
        Path healthy = dir.resolve("healthy");
        TrackScript script = new TrackScript("test -f " + healthy, Duration.ofSeconds(1), Duration.ofSeconds(10), 0,
                2, 2, null);
        List<Boolean> reported = new ArrayList<>();
        TrackedScript tracked = new TrackedScript("VI_1", script, HERE, HERE, reported::add);
        assertEquals("script 'test -f " + healthy + "'", TrackedScript.what(script));
        tracked.runIfIdle();
        tracked.runIfIdle();
        assertEquals(List.of(false, true), reported, "down at the second failure");
        Files.writeString(healthy, "ok");
        tracked.runIfIdle();
        tracked.runIfIdle();
        assertEquals(List.of(false, true, true, false), reported, "up at the second success");
    }
}
