package io.tandem.vrrp.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.tandem.vrrp.lab.Lab;

@Timeout(30)
class InterfaceWatcherLabTest {

    @Test
    void aCutCableIsReportedDownAndTheHealedOneUp() throws Exception {
        try (Lab lab = Lab.create(1)) {
            BlockingQueue<String> changes = new LinkedBlockingQueue<>();
            try (InterfaceWatcher watcher = lab.inNamespace(lab.a(),
                    () -> InterfaceWatcher.start(Lab.IFACE, (name, up) -> changes.add(name + (up ? " up" : " down"))))) {
                assertTrue(watcher.isUp());
                long t0 = System.nanoTime();
                lab.cut(lab.a());
                assertEquals("eth0 down", changes.poll(3, TimeUnit.SECONDS));
                long downNanos = System.nanoTime() - t0;
                lab.heal(lab.a());
                assertEquals("eth0 up", changes.poll(3, TimeUnit.SECONDS));
                lab.ipOk(lab.a().ns(), "link", "set", Lab.IFACE, "down");
                assertEquals("eth0 down", changes.poll(3, TimeUnit.SECONDS), "administratively down is down");
                System.out.printf("link watcher: carrier loss reported after %.0f ms%n", downNanos / 1e6);
            }
        }
    }
}
