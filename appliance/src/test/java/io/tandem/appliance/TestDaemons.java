package io.tandem.appliance;

import io.tandem.core.config.ConfigLoader;
import io.tandem.core.net.EventLoops;

import java.nio.file.Path;
import java.util.Map;

/** Starts a real daemon for tests in other packages (the daemon's types are package-private). */
public final class TestDaemons {
    private TestDaemons() {
    }

    /** A running daemon from {@code yaml}, with no file to reload. */
    public static AutoCloseable start(String yaml) throws Exception {
        return start(CheckedConfig.of(ConfigLoader.parse("test.yaml", yaml, Map.of())), null);
    }

    /** A running daemon from {@code file}, which {@code reload} reads again. */
    public static AutoCloseable start(Path file) throws Exception {
        return start(CheckedConfig.load(file), file);
    }

    /** A daemon with its own event loop; closing it stops the daemon, then the loop. */
    private static AutoCloseable start(CheckedConfig checked, Path file) throws Exception {
        if (!checked.ok()) {
            throw new IllegalArgumentException("config has errors: " + checked.errors());
        }
        EventLoops loops = EventLoops.start(1);
        try {
            TandemDaemon daemon = TandemDaemon.start(checked, loops, file);
            return () -> {
                daemon.close();
                loops.close();
            };
        } catch (Exception e) {
            loops.close();
            throw e;
        }
    }
}
