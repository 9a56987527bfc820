package io.tandem.appliance.lab;

import static java.time.Duration.ofMillis;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.tandem.appliance.TandemCli;
import io.tandem.core.testing.Await;
import io.tandem.vrrp.lab.Lab;
import io.tandem.vrrp.lab.Lab.Child;

/**
 * SIGHUP on a VRRP master (a, priority 150; b backup at 100): a reload that leaves the instance's settings as they
 * were — even moved to other lines — never drops the VIP, not for a poll; one that changes them restarts the
 * instance, which hands the VIP over first (priority 0) and then takes it back by preemption.
 */
@Timeout(180)
class VrrpReloadLabTest {
    private static Lab lab;

    @BeforeAll
    static void createLab() {
        lab = Lab.create(2);
    }

    @AfterAll
    static void removeLab() {
        if (lab != null) {
            lab.close();
        }
    }

    private static void hangUp(Child daemon) throws Exception {
        Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(daemon.pid())).inheritIO().start();
        assertEquals(0, kill.waitFor());
    }

    @Test
    void anUnchangedInstanceKeepsItsVipAcrossAReloadAndAChangedOneRestartsHandingOverFirst() throws Exception {
        Path file = lab.fresh("tandem-a", ".yaml");
        Files.writeString(file, VrrpPairLabTest.config("a", 150, 3, "100ms"));
        try (Child a = lab.startJava(lab.a(), "96m", TandemCli.class, "run", "-c", file.toString());
             Child b = VrrpPairLabTest.startTandem(lab, lab.b(), VrrpPairLabTest.config("b", 100, 3, "100ms"))) {
            a.awaitLog("-> MASTER", ofMillis(30_000));
            b.awaitLog("INITIALIZE -> BACKUP", ofMillis(30_000));
            Await.until("a holds the VIP, b does not", () -> lab.holdsVip(lab.a()) && !lab.holdsVip(lab.b()));
            // Started one after the other, b may have been master for a moment before it heard a.
            int aMaster = Lab.count(a.output(), "-> MASTER");
            int bMaster = Lab.count(b.output(), "-> MASTER");

            AtomicBoolean watching = new AtomicBoolean(true);
            AtomicInteger lost = new AtomicInteger();
            AtomicInteger polls = new AtomicInteger();
            Thread watcher = new Thread(() -> {
                while (watching.get()) {
                    polls.incrementAndGet();
                    if (!lab.holdsVip(lab.a())) {
                        lost.incrementAndGet();
                    }
                }
            }, "vip-watcher");
            watcher.start();
            // The same instance on other lines, and a global setting that a reload applies.
            rewrite(file, "# reloaded\n\n" + VrrpPairLabTest.config("a", 150, 3, "100ms")
                    .replace("global: { name: a }", "global: { name: a, hard-stop-after: 5s }"));
            hangUp(a);
            a.awaitLog("reload of " + file + " applied", ofMillis(20_000));
            int before = polls.get();
            Await.until("the watcher polled after the reload", () -> polls.get() > before + 20);
            watching.set(false);
            watcher.join();
            assertEquals(0, lost.get(), "a dropped the VIP on a reload that did not change its instance:\n"
                    + a.output());
            assertEquals(aMaster, Lab.count(a.output(), "-> MASTER"), a.output());
            assertEquals(bMaster, Lab.count(b.output(), "-> MASTER"), "b never took over:\n" + b.output());
            assertFalse(a.output().contains("vrrp VI_1: settings changed"), a.output());

            rewrite(file, VrrpPairLabTest.config("a", 200, 3, "100ms"));
            hangUp(a);
            a.awaitLog("vrrp VI_1: settings changed, restarted", ofMillis(20_000));
            b.awaitLog("BACKUP -> MASTER", bMaster + 1, ofMillis(30_000));
            a.awaitLog("-> MASTER", aMaster + 1, ofMillis(30_000));
            Await.until("a holds the VIP again", () -> lab.holdsVip(lab.a()));
            assertTrue(a.output().contains("priority 200"), a.output());
            b.awaitLog("MASTER -> BACKUP", bMaster + 1, ofMillis(30_000));
        }
    }

    private static void rewrite(Path file, String yaml) throws IOException {
        Path next = file.resolveSibling(file.getFileName() + ".next");
        Files.writeString(next, yaml);
        Files.move(next, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
}
