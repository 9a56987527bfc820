package io.tandem.cluster;

import io.tandem.core.config.ClusterConfig;
import io.tandem.core.config.ConfigVersion;
import io.tandem.core.config.HostPort;
import io.tandem.core.stick.StickData;
import io.tandem.core.stick.StickEvent;
import io.tandem.core.stick.StickKeyType;
import io.tandem.core.stick.StickSchema;
import io.tandem.core.stick.StickTable;
import io.tandem.core.testing.Await;
import io.tandem.core.testing.LogLines;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Two cluster nodes in one JVM over real TCP on loopback, with the full stack (authentication, encryption). */
class ClusterNodeTest {
    private static final String SECRET = "c2VjcmV0LWZvci10aGUtdGVzdC1wYWlyLTMyYnl0ZXM=";
    private final List<AutoCloseable> open = new ArrayList<>();
    private final HostPort a = new HostPort("127.0.0.1", freePort());
    private final HostPort b = new HostPort("127.0.0.1", freePort());

    /** A port free now, with port + 100 (failure detection's) free too. */
    private static int freePort() {
        while (true) {
            try (ServerSocket s = new ServerSocket(0); ServerSocket fd = new ServerSocket(s.getLocalPort() + 100)) {
                return s.getLocalPort();
            } catch (IOException taken) {
                // port + 100 is in use, or past 65535: try another
            }
        }
    }

    private static StickTable table() {
        return new StickTable("web", StickKeyType.IP, 100_000, Duration.ofMinutes(5),
                StickSchema.of(Map.of(StickData.HTTP_REQ_RATE, Duration.ofSeconds(10))),
                () -> System.nanoTime() / 1_000_000);
    }

    private ClusterNode node(String name, HostPort bind, String secret, StickTable table) throws Exception {
        ClusterConfig config = new ClusterConfig("test-pair", bind, List.of(a, b), secret,
                EnumSet.allOf(ClusterConfig.Share.class), null);
        ClusterNode node = ClusterNode.start(config, name, () -> Map.of("l7 frontend/web", table),
                new ConfigVersion("-", 0));
        open.add(0, node);
        return node;
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    @Test
    void anEntryOnOneNodeAppearsOnTheOtherAndRatesAddUp() throws Exception {
        StickTable ta = table();
        StickTable tb = table();
        ClusterNode na = node("lb-a", a, SECRET, ta);
        Await.until("a ready", na::ready);
        ClusterNode nb = node("lb-b", b, SECRET, tb);
        Await.until("b ready", nb::ready);
        Await.until("both in the view", () -> na.status().members().size() == 2);
        ta.stick("198.18.2.1", "app-01");
        Await.until("b has a's entry", () -> tb.lookup("198.18.2.1") != null);
        assertEquals("app-01", tb.lookup("198.18.2.1").serverId());
        for (int i = 0; i < 70; i++) {
            ta.count(ta.lookup("198.18.2.1"), StickEvent.HTTP_REQUEST);
        }
        for (int i = 0; i < 30; i++) {
            tb.count(tb.lookup("198.18.2.1"), StickEvent.HTTP_REQUEST);
        }
        Await.until(() -> "both count 100: a " + rate(ta) + " b " + rate(tb), () -> rate(ta) == 100 && rate(tb) == 100);
        ClusterStatus status = nb.status();
        assertEquals(List.of("lb-a"), status.peers().stream().map(ClusterStatus.Peer::name).toList());
        assertTrue(status.peers().get(0).inView());
        assertTrue(status.received() > 0);
    }

    @Test
    void aLateJoinerHoldsTheWholeTableOnceReady() throws Exception {
        StickTable ta = table();
        for (int i = 0; i < 20_000; i++) {
            ta.stick("198.18." + (i / 250) + "." + (i % 250), "app-0" + (i % 3));
        }
        ClusterNode na = node("lb-a", a, SECRET, ta);
        Await.until("a ready", na::ready);
        StickTable tb = table();
        ClusterNode nb = node("lb-b", b, SECRET, tb);
        Await.until("b ready", nb::ready);
        assertEquals(20_000, tb.size(), "ready means the tables are in");
        assertEquals("app-01", tb.lookup("198.18.79.249").serverId()); // entry 19999
        ClusterStatus.StateTransfer transfer = nb.status().lastStateTransfer();
        assertEquals("lb-a", transfer.from());
        assertEquals(20_000, transfer.changes());
    }

    @Test
    void aNodeWithAnotherSecretCannotJoinAndBothSidesSayWhy() throws Exception {
        try (LogLines logs = LogLines.capture()) {
            StickTable ta = table();
            StickTable tb = table();
            ClusterNode na = node("lb-a", a, SECRET, ta);
            Await.until("a ready", na::ready);
            ta.stick("198.18.3.1", "app-01");
            ClusterNode nb = node("lb-b", b, "another-secret-of-enough-length", tb);
            Await.until(() -> "both log the refusal: " + logs.all(),
                    () -> !logs.containing("refused lb-b").isEmpty() && !logs.containing("lb-b was refused").isEmpty());
            assertTrue(logs.containing("refused lb-b").get(0).contains("does not hold this cluster's secret"));
            assertTrue(logs.containing("lb-b was refused").get(0).contains("its cluster secret differs"));
            assertFalse(nb.ready());
            assertEquals(List.of("lb-a"), na.status().members());
            assertEquals(0, tb.size(), "nothing of a's table reached b");
        }
    }

    /**
     * A daemon's side of the sharing: records what it is given; servers named {@code none} it does not have; it runs
     * {@code running} (null: none) and ticket keys {@code keys}.
     */
    private static final class Recorder implements SharedState {
        final List<String> applied = new CopyOnWriteArrayList<>();
        volatile ConfigOffer running;
        volatile byte[] keys = {1};

        @Override
        public Outcome applyServer(ServerChange change, String from) {
            if (change.server().endsWith("/none")) {
                return Outcome.refused("no server 'none' in backend 'app'", List.of());
            }
            applied.add(from + " " + change.server() + " " + change.setting() + " " + change.value());
            return Outcome.applied("applied", List.of());
        }

        @Override
        public Outcome applyConfig(ConfigOffer offer, String from) {
            if (offer.text().contains("bad")) {
                return Outcome.refused("refused: 1 error(s), nothing changed", List.of(offer.source() + ":2:3: bad"));
            }
            applied.add(from + " config " + offer.version());
            return Outcome.applied("applied: 1 change(s)", List.of("backend api: added"));
        }

        @Override
        public ConfigOffer runningConfig() {
            return running;
        }

        @Override
        public byte[] ticketKeys() {
            return keys;
        }

        @Override
        public void useTicketKeys(byte[] received, String from) {
            applied.add(from + " keys " + java.util.Arrays.toString(received));
        }
    }

    /** lb-a, then lb-b serving {@code onB}: both ready, each in the other's view. */
    private ClusterNode[] pair(Recorder onB) throws Exception {
        ClusterNode na = node("lb-a", a, SECRET, table());
        Await.until("a ready", na::ready);
        ClusterNode nb = node("lb-b", b, SECRET, table());
        nb.serve(onB);
        Await.until("b ready", nb::ready);
        Await.until("both in the view", () -> na.status().members().size() == 2);
        return new ClusterNode[] {na, nb};
    }

    @Test
    void anAdminChangeHoldsOnThePeerAndItsReplySaysSo() throws Exception {
        Recorder onB = new Recorder();
        ClusterNode[] pair = pair(onB);
        ClusterNode na = pair[0];
        ClusterNode nb = pair[1];
        List<PeerReply> replies = na.shareServer(new ServerChange("l7:app/app-01", ServerChange.Setting.STATE,
                "maint"));
        assertEquals(List.of(new PeerReply("lb-b", Outcome.applied("applied", List.of()))), replies);
        assertEquals(List.of("lb-a l7:app/app-01 STATE maint"), onB.applied);
        PeerReply missing = na.shareServer(new ServerChange("l7:app/none", ServerChange.Setting.WEIGHT, "3")).get(0);
        assertFalse(missing.outcome().ok());
        assertEquals("no server 'none' in backend 'app'", missing.outcome().summary());
        assertEquals(1, nb.status().sharing().statesNotApplied());
        assertEquals(2, na.status().sharing().statesSent());
    }

    @Test
    void aLateJoinerTakesTheAdminStatesInItsStateTransfer() throws Exception {
        ClusterNode na = node("lb-a", a, SECRET, table());
        Await.until("a ready", na::ready);
        assertEquals(List.of(), na.shareServer(new ServerChange("l7:app/app-01", ServerChange.Setting.STATE,
                "drain")), "no peer yet");
        na.shareServer(new ServerChange("l7:app/app-01", ServerChange.Setting.STATE, "maint"));
        na.shareServer(new ServerChange("l4:web/l7-a", ServerChange.Setting.WEIGHT, "7"));
        ClusterNode nb = node("lb-b", b, SECRET, table());
        Await.until("b ready", nb::ready);
        Recorder onB = new Recorder();
        nb.serve(onB);
        Await.until(() -> "b applied a's states: " + onB.applied, () -> onB.applied.size() == 2);
        assertEquals(java.util.Set.of("lb-a l7:app/app-01 STATE maint", "lb-a l4:web/l7-a WEIGHT 7"),
                java.util.Set.copyOf(onB.applied), "the newest of each, once");
    }

    @Test
    void aConfigGetsEachPeersOutcomeAndTheVersionsTellWhetherTheyMatch() throws Exception {
        Recorder onB = new Recorder();
        ClusterNode[] pair = pair(onB);
        ClusterNode na = pair[0];
        ClusterNode nb = pair[1];
        Await.until("a knows b's version", () -> !na.status().peers().isEmpty()
                && na.status().peers().get(0).config() != null);
        assertTrue(na.status().configInSync(), "both started from '-'");
        ConfigVersion next = na.nextConfigVersion("3f2a9c1e0b7d");
        assertEquals(new ConfigVersion("3f2a9c1e0b7d", 1), next);
        na.configRunning(next);
        Await.until("b sees the difference", () -> !nb.status().configInSync());
        List<PeerReply> replies = na.shareConfig(new ConfigOffer(next, "/etc/tandem/tandem.yaml", "l7: {}\n"));
        assertEquals("applied: 1 change(s)", replies.get(0).outcome().summary());
        assertEquals(List.of("lb-a config 3f2a9c1e0b7d#1"), onB.applied);
        nb.configRunning(next);
        Await.until("in sync again", () -> na.status().configInSync() && nb.status().configInSync());
        PeerReply refused = na.shareConfig(new ConfigOffer(na.nextConfigVersion("9c1d0e2f3a4b"), "a.yaml",
                "l7: bad\n")).get(0);
        assertFalse(refused.outcome().ok());
        assertEquals(List.of("a.yaml:2:3: bad"), refused.outcome().lines());
        assertEquals(1, nb.status().sharing().configsRefused());
        assertEquals(1, nb.status().sharing().configsAccepted());
    }

    @Test
    void aNodeThatJoinsWithAnOlderConfigIsSentTheNewestOnce() throws Exception {
        ClusterNode na = node("lb-a", a, SECRET, table());
        Recorder onA = new Recorder();
        na.serve(onA);
        Await.until("a ready", na::ready);
        // a reloaded three times while b was down; b comes back with the file it had.
        ConfigVersion newest = new ConfigVersion("3f2a9c1e0b7d", 3);
        onA.running = new ConfigOffer(newest, "/etc/tandem/tandem.yaml", "l7: {}\n");
        na.configRunning(newest);
        ClusterNode nb = node("lb-b", b, SECRET, table());
        Recorder onB = new Recorder();
        nb.serve(onB);
        Await.until(() -> "b was sent a's config: " + onB.applied, () -> onB.applied.contains("lb-a config "
                + newest));
        nb.configRunning(newest);
        Await.until("in sync", () -> na.status().configInSync() && nb.status().configInSync());
        assertFalse(onA.applied.stream().anyMatch(line -> line.contains(" config ")), "the older never went back");
        assertEquals(1, onB.applied.stream().filter(line -> line.contains(" config ")).count(), onB.applied.toString());
    }

    @Test
    void theCoordinatorsTicketKeysReachAJoinerAndEachRotationReachesThePeer() throws Exception {
        ClusterNode na = node("lb-a", a, SECRET, table());
        Recorder onA = new Recorder();
        onA.keys = new byte[] {7, 7};
        na.serve(onA);
        Await.until("a ready", na::ready);
        assertTrue(na.ownsTicketKeys(), "alone, a rotates its own");
        ClusterNode nb = node("lb-b", b, SECRET, table());
        Recorder onB = new Recorder();
        nb.serve(onB);
        Await.until("b ready", nb::ready);
        Await.until(() -> "b uses a's keys: " + onB.applied, () -> onB.applied.contains("lb-a keys [7, 7]"));
        assertTrue(na.ownsTicketKeys());
        assertFalse(nb.ownsTicketKeys(), "b uses the coordinator's and does not rotate");
        na.shareTicketKeys(new byte[] {8});
        Await.until(() -> "b uses a's rotated keys: " + onB.applied, () -> onB.applied.contains("lb-a keys [8]"));
        assertFalse(onA.applied.stream().anyMatch(line -> line.contains(" keys ")), "b never sent its own");
    }

    private static long rate(StickTable t) {
        return t.lookup("198.18.2.1") == null ? -1 : t.lookup("198.18.2.1").read(StickData.HTTP_REQ_RATE);
    }
}
