package io.tandem.core.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Loopback ports for tests, each handed out once per JVM: the kernel may give the same ephemeral port to two
 * binds in a row once the first is closed, and two listeners of one test on one port (HAProxy sets SO_REUSEPORT)
 * would take each other's connections.
 */
public final class TestPorts {
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    private TestPorts() {
    }

    /** A loopback port free now, for a listener the test starts next. */
    public static int freePort() {
        while (true) {
            int port;
            try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                port = socket.getLocalPort();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            if (HANDED_OUT.add(port)) {
                return port;
            }
        }
    }

    /** A loopback port nothing listens on (bound once, then released), so a connect there is refused. */
    public static int closedPort() {
        return freePort();
    }
}
