package io.tandem.core.stick;

import io.tandem.core.config.ConfigError;
import io.tandem.core.config.Located;
import io.tandem.core.config.SourcePos;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StickTableTest {
    private final AtomicLong clock = new AtomicLong(1_000_000);

    private StickTable table(long size, Duration expire, Map<StickData, Duration> store) {
        return new StickTable("t", StickKeyType.IP, size, expire, StickSchema.of(store), clock::get);
    }

    private void advance(long millis) {
        clock.addAndGet(millis);
    }

    private static void count(StickTable table, StickEntry entry, StickEvent event, int times) {
        for (int i = 0; i < times; i++) {
            table.count(entry, event);
        }
    }

    @Test
    void rateIsTheCurrentPeriodPlusThePreviousWeightedByTheTimeLeft() {
        StickTable table = table(10, null, Map.of(StickData.HTTP_REQ_RATE, Duration.ofSeconds(10)));
        StickEntry e = table.touch("10.0.0.1");
        count(table, e, StickEvent.HTTP_REQUEST, 10);
        assertEquals(10, e.read(StickData.HTTP_REQ_RATE));
        advance(5_000);
        assertEquals(10, e.read(StickData.HTTP_REQ_RATE));
        advance(5_000); // a new period starts: the previous one still weighs fully
        assertEquals(10, e.read(StickData.HTTP_REQ_RATE));
        advance(2_500); // three quarters of the period left: 10 × 0.75
        assertEquals(7, e.read(StickData.HTTP_REQ_RATE));
        count(table, e, StickEvent.HTTP_REQUEST, 2);
        assertEquals(9, e.read(StickData.HTTP_REQ_RATE));
        advance(7_500); // the 2 move to the previous period, the 10 are forgotten
        assertEquals(2, e.read(StickData.HTTP_REQ_RATE));
        advance(5_000);
        assertEquals(1, e.read(StickData.HTTP_REQ_RATE));
        advance(5_000); // two periods without events
        assertEquals(0, e.read(StickData.HTTP_REQ_RATE));
    }

    @Test
    void aRateAfterAnIdleGapLongerThanTwoPeriodsStartsFromZero() {
        StickTable table = table(10, null, Map.of(StickData.CONN_RATE, Duration.ofSeconds(1)));
        StickEntry e = table.touch("10.0.0.1");
        count(table, e, StickEvent.CONNECTION, 5);
        advance(60_000);
        count(table, e, StickEvent.CONNECTION, 1);
        assertEquals(1, e.read(StickData.CONN_RATE));
    }

    @Test
    void countersCountOnlyWhatTheTableStores() {
        StickTable table = table(10, null, Map.of(StickData.HTTP_REQ_CNT, Duration.ZERO,
                StickData.HTTP_ERR_RATE, Duration.ofSeconds(10)));
        StickEntry e = table.touch("10.0.0.1");
        count(table, e, StickEvent.HTTP_REQUEST, 3);
        count(table, e, StickEvent.HTTP_ERROR, 2);
        count(table, e, StickEvent.CONNECTION, 1);
        assertEquals(3, e.read(StickData.HTTP_REQ_CNT));
        assertEquals(0, e.read(StickData.HTTP_REQ_RATE));
        assertEquals(0, e.read(StickData.HTTP_ERR_CNT));
        assertEquals(2, e.read(StickData.HTTP_ERR_RATE));
        assertEquals(0, e.read(StickData.CONN_CNT));
        advance(3_600_000);
        assertEquals(3, e.read(StickData.HTTP_REQ_CNT));
    }

    @Test
    void anEntryExpiresUnlessTouchedAndComesBackEmpty() {
        StickTable table = table(10, Duration.ofMinutes(5), Map.of(StickData.HTTP_REQ_CNT, Duration.ZERO));
        StickEntry e = table.touch("10.0.0.1");
        count(table, e, StickEvent.HTTP_REQUEST, 4);
        advance(Duration.ofMinutes(5).toMillis() - 1);
        assertSame(e, table.lookup("10.0.0.1"));
        assertSame(e, table.touch("10.0.0.1")); // refreshed: five more minutes
        advance(Duration.ofMinutes(4).toMillis());
        assertSame(e, table.lookup("10.0.0.1"), "lookup neither creates nor refreshes");
        advance(Duration.ofMinutes(1).toMillis());
        assertNull(table.lookup("10.0.0.1"));
        StickEntry fresh = table.touch("10.0.0.1");
        assertNotSame(e, fresh);
        assertEquals(0, fresh.read(StickData.HTTP_REQ_CNT));
        assertEquals(1, table.size());
    }

    @Test
    void aFullTableEvictsTheLeastRecentlyTouchedEntry() {
        StickTable table = table(3, null, Map.of());
        table.touch("a");
        table.touch("b");
        table.touch("c");
        table.touch("a");
        table.lookup("b"); // a lookup is not a touch
        table.touch("d");
        assertNull(table.lookup("b"));
        assertNotNull(table.lookup("a"));
        assertNotNull(table.lookup("c"));
        assertNotNull(table.lookup("d"));
        assertEquals(3, table.size());
        for (int i = 0; i < 1000; i++) {
            table.touch("k" + i);
        }
        assertEquals(3, table.size());
        assertNotNull(table.lookup("k999"));
        assertNull(table.lookup("k996"));
    }

    @Test
    void expiredEntriesMakeRoomBeforeLiveOnesAreEvicted() {
        StickTable table = table(3, Duration.ofSeconds(10), Map.of());
        table.touch("old1");
        table.touch("old2");
        advance(5_000);
        table.touch("live");
        advance(6_000); // old1 and old2 expired, live has 4s left
        table.touch("new");
        assertNotNull(table.lookup("live"));
        assertEquals(2, table.size());
        table.purgeExpired();
        assertEquals(2, table.size());
        advance(10_000);
        table.purgeExpired();
        assertEquals(0, table.size());
    }

    @Test
    void stickRemembersTheServerAndListenersHearOnlyLocalChanges() {
        StickTable table = table(10, Duration.ofMinutes(30), Map.of(StickData.HTTP_REQ_CNT, Duration.ZERO));
        List<String> heard = new ArrayList<>();
        table.addListener(new Heard(heard));
        StickEntry e = table.stick("10.0.0.1", "ws-01");
        table.stick("10.0.0.1", "ws-01"); // unchanged: nothing to replicate
        table.count(e, StickEvent.HTTP_REQUEST);
        table.count(e, StickEvent.CONNECTION); // not stored: nothing changed
        table.stick("10.0.0.1", "ws-02");
        table.apply(new StickUpdate("10.0.0.2", "ws-03", 1000, List.of()));
        assertEquals(List.of("10.0.0.1=ws-01/0", "10.0.0.1=ws-01/1", "10.0.0.1=ws-02/1"), heard);
        assertEquals("ws-03", table.lookup("10.0.0.2").serverId());
    }

    @Test
    void aRefreshIsReportedAtMostOncePerIntervalPerEntry() {
        StickTable table = table(10, Duration.ofMinutes(5), Map.of());
        assertEquals(1000, table.refreshReportMillis(), "a tenth of 5m is more than the one-second cap");
        List<String> heard = new ArrayList<>();
        table.addListener(new Heard(heard));
        table.touch("10.0.0.1");
        table.touch("10.0.0.2");
        assertEquals(List.of("10.0.0.1=null/0", "10.0.0.2=null/0"), heard, "a new entry is reported at once");
        heard.clear();
        advance(999);
        table.touch("10.0.0.1");
        assertEquals(List.of(), heard, "a refresh within the interval stays quiet");
        advance(1);
        table.touch("10.0.0.1");
        table.touch("10.0.0.1");
        advance(500);
        table.touch("10.0.0.2");
        assertEquals(List.of("10.0.0.1=null/0", "10.0.0.2=null/0"), heard, "each entry's refresh is reported once");
    }

    @Test
    void aShortExpiryReportsRefreshesEveryTenthOfIt() {
        StickTable table = table(10, Duration.ofMillis(200), Map.of());
        assertEquals(20, table.refreshReportMillis());
        List<String> heard = new ArrayList<>();
        table.addListener(new Heard(heard));
        table.touch("10.0.0.1");
        advance(19);
        table.touch("10.0.0.1");
        advance(1);
        table.touch("10.0.0.1");
        assertEquals(2, heard.size(), heard.toString());
        assertEquals(Long.MAX_VALUE, table(10, null, Map.of()).refreshReportMillis(),
                "entries that never expire have no refresh to report");
    }

    @Test
    void removeAndClearDropEntriesAndTellTheListeners() {
        StickTable table = table(10, Duration.ofMinutes(5), Map.of());
        List<String> heard = new ArrayList<>();
        table.stick("10.0.0.1", "a");
        table.stick("10.0.0.2", "b");
        table.stick("10.0.0.3", "c");
        table.addListener(new Heard(heard));
        assertTrue(table.remove("10.0.0.1"));
        assertNull(table.lookup("10.0.0.1"));
        assertEquals(2, table.size());
        assertFalse(table.remove("10.0.0.1"), "nothing left to remove");
        table.clear();
        assertEquals(0, table.size());
        assertNull(table.lookup("10.0.0.2"));
        assertEquals(List.of("removed 10.0.0.1", "cleared"), heard);
        table.touch("10.0.0.4");
        assertEquals(1, table.size(), "a cleared table takes new entries");
    }

    @Test
    void reconfigureKeepsEntriesShrinksAndShortensTheirLives() {
        StickTable table = table(4, Duration.ofMinutes(30), Map.of());
        for (int i = 1; i <= 4; i++) {
            table.stick("10.0.0." + i, "s" + i);
            advance(1);
        }
        table.reconfigure(2, Duration.ofMinutes(1));
        assertEquals(2, table.capacity());
        assertEquals(Duration.ofMinutes(1), table.expire());
        assertNull(table.lookup("10.0.0.1"), "the least recently touched entries make room");
        assertNull(table.lookup("10.0.0.2"));
        assertEquals("s4", table.lookup("10.0.0.4").serverId(), "the others keep their server");
        advance(Duration.ofMinutes(1).toMillis());
        assertNull(table.lookup("10.0.0.4"), "the new, shorter expiry applies to the entries kept");
    }

    @Test
    void aSnapshotAppliedToAPeerGivesTheSameServerCountsAndRates() {
        StickTable local = table(10, Duration.ofMinutes(5), Map.of(StickData.HTTP_REQ_CNT, Duration.ZERO,
                StickData.HTTP_REQ_RATE, Duration.ofSeconds(10)));
        AtomicLong peerClock = new AtomicLong(42); // another node's monotonic clock: unrelated values
        StickTable peer = new StickTable("t", StickKeyType.IP, 10, Duration.ofMinutes(5), local.schema(), peerClock::get);
        StickEntry e = local.stick("10.0.0.1", "app-01");
        count(local, e, StickEvent.HTTP_REQUEST, 8);
        advance(12_500);
        count(local, e, StickEvent.HTTP_REQUEST, 3);
        advance(60_000 - 12_500);
        StickUpdate update = local.snapshot(e);
        assertEquals(Duration.ofMinutes(4).toMillis(), update.expiresInMillis());
        peer.apply(update);
        StickEntry copy = peer.lookup("10.0.0.1");
        assertEquals("app-01", copy.serverId());
        assertEquals(11, copy.read(StickData.HTTP_REQ_CNT));
        assertEquals(e.read(StickData.HTTP_REQ_RATE), copy.read(StickData.HTTP_REQ_RATE));
        peerClock.addAndGet(Duration.ofMinutes(4).toMillis());
        assertNull(peer.lookup("10.0.0.1"), "the copy expires when the original would");
    }

    @Test
    void aPeersCountersAddToTheLocalOnesAndAreNotSentBack() {
        Map<StickData, Duration> store = Map.of(StickData.HTTP_REQ_RATE, Duration.ofSeconds(10));
        StickTable a = table(10, Duration.ofMinutes(5), store);
        StickTable b = table(10, Duration.ofMinutes(5), store);
        count(a, a.touch("10.0.0.1"), StickEvent.HTTP_REQUEST, 60);
        StickEntry onB = b.touch("10.0.0.1");
        count(b, onB, StickEvent.HTTP_REQUEST, 40);
        b.apply("lb-a", a.snapshot(a.lookup("10.0.0.1")));
        assertEquals(100, onB.read(StickData.HTTP_REQ_RATE), "the pair's total: 60 counted on a, 40 on b");
        b.apply("lb-a", a.snapshot(a.lookup("10.0.0.1")));
        assertEquals(100, onB.read(StickData.HTTP_REQ_RATE), "a's share is replaced, never added twice");
        assertEquals(40, b.snapshot(onB).values().get(0).current(), "b sends only what b counted");
        assertEquals(60, b.peerSnapshots(onB).get("lb-a").values().get(0).current());
    }

    @Test
    void applyAllInstallsEveryUpdateAsApplyDoesAndKeepsEachNodesShare() {
        Map<StickData, Duration> store = Map.of(StickData.HTTP_REQ_CNT, Duration.ZERO,
                StickData.HTTP_REQ_RATE, Duration.ofSeconds(10));
        StickTable a = table(1000, Duration.ofMinutes(5), store);
        StickTable c = table(1000, Duration.ofMinutes(5), store);
        StickTable b = table(1000, Duration.ofMinutes(5), store);
        List<StickUpdate> fromA = new ArrayList<>();
        List<StickUpdate> fromC = new ArrayList<>();
        for (int i = 0; i < 200; i++) { // more than one run under the lock
            String key = "10.0.1." + i;
            count(a, a.stick(key, "app-0" + i % 3), StickEvent.HTTP_REQUEST, 2);
            count(c, c.touch(key), StickEvent.HTTP_REQUEST, 1 + i % 2);
            fromA.add(a.snapshot(a.lookup(key)));
            fromC.add(c.snapshot(c.lookup(key)));
        }
        b.applyAll("lb-a", fromA);
        b.applyAll("lb-c", fromC);
        assertEquals(200, b.size());
        for (int i = 0; i < 200; i++) {
            StickEntry copy = b.lookup("10.0.1." + i);
            assertEquals("app-0" + i % 3, copy.serverId());
            assertEquals(3 + i % 2, copy.read(StickData.HTTP_REQ_CNT), "a's share plus c's");
            assertEquals(3 + i % 2, copy.read(StickData.HTTP_REQ_RATE));
            assertEquals(2, b.peerSnapshots(copy).get("lb-a").values().get(0).current());
        }
        advance(Duration.ofMinutes(5).toMillis() - 1);
        assertNotNull(b.lookup("10.0.1.199"));
        advance(1);
        assertNull(b.lookup("10.0.1.199"), "each copy expires when its original would");
    }

    @Test
    void applyAllIntoASmallerTableKeepsTheNewestWithinCapacity() {
        StickTable a = table(100, Duration.ofMinutes(5), Map.of());
        StickTable b = table(30, Duration.ofMinutes(5), Map.of());
        List<StickUpdate> all = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            all.add(a.snapshot(a.stick("10.0.2." + i, "app-01")));
        }
        b.applyAll("lb-a", all);
        assertEquals(30, b.size());
        assertNull(b.lookup("10.0.2.69"));
        assertEquals("app-01", b.lookup("10.0.2.99").serverId());
    }

    @Test
    void theNewerServerVersionWinsInWhicheverOrderTheyArrive() {
        StickTable a = table(10, Duration.ofMinutes(5), Map.of());
        StickTable b = table(10, Duration.ofMinutes(5), Map.of());
        a.versionNode(1);
        b.versionNode(2);
        StickUpdate first = a.snapshot(a.stick("10.0.0.1", "app-01"));
        b.apply("lb-a", first);
        StickUpdate second = b.snapshot(b.stick("10.0.0.1", "app-02"));
        assertTrue(second.serverVersion() > first.serverVersion(), "b's change came after it saw a's");
        a.apply("lb-b", second);
        b.apply("lb-a", first); // a late duplicate of the older change
        assertEquals("app-02", a.lookup("10.0.0.1").serverId());
        assertEquals("app-02", b.lookup("10.0.0.1").serverId());
    }

    @Test
    void concurrentTouchesStayWithinCapacityAndLoseNoCount() throws Exception {
        StickTable table = new StickTable("t", StickKeyType.STRING, 500, Duration.ofMinutes(1),
                StickSchema.of(Map.of(StickData.HTTP_REQ_CNT, Duration.ZERO, StickData.HTTP_REQ_RATE, Duration.ofHours(1))),
                () -> System.nanoTime() / 1_000_000);
        int threads = 4;
        int perThread = 20_000;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<java.util.concurrent.Future<?>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int seed = t;
            done.add(pool.submit(() -> {
                start.await();
                for (int i = 0; i < perThread; i++) {
                    table.count(table.touch("hot"), StickEvent.HTTP_REQUEST);
                    table.touch("k" + ((i * 7 + seed * 13) % 2000));
                    table.lookup("k" + (i % 2000));
                }
                return null;
            }));
        }
        start.countDown();
        for (var f : done) {
            f.get(30, TimeUnit.SECONDS);
        }
        pool.shutdown();
        assertTrue(table.size() <= 500, "size " + table.size());
        // "hot" is touched every other operation, so it is never the least recently used of 500.
        assertEquals((long) threads * perThread, table.lookup("hot").read(StickData.HTTP_REQ_CNT));
        assertEquals((long) threads * perThread, table.lookup("hot").read(StickData.HTTP_REQ_RATE));
    }

    @Test
    void keysAreNormalisedPerTableType() throws Exception {
        InetAddress mapped = InetAddress.getByAddress(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xFF, (byte) 0xFF, 10, 0, 0, 1});
        assertEquals("10.0.0.1", StickKeyType.IP.key(mapped));
        assertEquals("10.0.0.1", StickKeyType.IP.key("10.0.0.1"));
        assertNull(StickKeyType.IP.key("2001:db8::1"));
        assertNull(StickKeyType.IP.key("not-an-address"));
        assertEquals("2001:db8::1", StickKeyType.IPV6.key("2001:0db8:0:0:0:0:0:1"));
        assertEquals("::ffff:10.0.0.1", StickKeyType.IPV6.key(InetAddress.getByName("10.0.0.1")));
        assertEquals("42", StickKeyType.INTEGER.key(" +42"));
        assertNull(StickKeyType.INTEGER.key("4x2"));
        assertEquals("167772161", StickKeyType.INTEGER.key(InetAddress.getByName("10.0.0.1")));
        assertEquals("x".repeat(32), StickKeyType.STRING.key("x".repeat(100)));
    }

    @Test
    void storeItemsAreCheckedAtTheirPosition() {
        List<ConfigError> errors = new ArrayList<>();
        StickSchema schema = StickSchema.parse(List.of(
                new Located<>("http_req_rate(10s)", new SourcePos("t.yaml", 3, 10)),
                new Located<>("conn_cnt", new SourcePos("t.yaml", 3, 32)),
                new Located<>("gpc0", new SourcePos("t.yaml", 4, 10)),
                new Located<>("http_err_rate", new SourcePos("t.yaml", 5, 10)),
                new Located<>("http_req_cnt(1s)", new SourcePos("t.yaml", 6, 10)),
                new Located<>("conn_rate(soon)", new SourcePos("t.yaml", 7, 10)),
                new Located<>("http_rq_cnt", new SourcePos("t.yaml", 8, 10))), errors);
        assertEquals(List.of(
                "t.yaml:4:10: stick-table store 'gpc0' is not supported yet",
                "t.yaml:5:10: 'http_err_rate' needs a period, e.g. http_err_rate(10s)",
                "t.yaml:6:10: 'http_req_cnt' takes no period",
                "t.yaml:7:10: bad duration 'soon' (use e.g. 100ms, 5s, 1m)",
                "t.yaml:8:10: unknown stick-table store 'http_rq_cnt'; expected one of server_id, conn_cnt, "
                        + "conn_rate(PERIOD), http_req_cnt, http_req_rate(PERIOD), http_err_cnt, http_err_rate(PERIOD)"),
                errors.stream().map(ConfigError::toString).toList());
        assertEquals("server_id,conn_cnt,http_req_rate(10000)", schema.toString());
        assertEquals(Duration.ofSeconds(10), schema.period(StickData.HTTP_REQ_RATE));
    }

    /** Records what listeners hear as text: an update as {@code key=server/http_req_cnt}. */
    private record Heard(List<String> heard) implements StickTableListener {
        @Override
        public void entryUpdated(StickTable table, StickEntry entry) {
            heard.add(entry.key() + "=" + entry.serverId() + "/" + entry.read(StickData.HTTP_REQ_CNT));
        }

        @Override
        public void entryRemoved(StickTable table, String key) {
            heard.add("removed " + key);
        }

        @Override
        public void cleared(StickTable table) {
            heard.add("cleared");
        }
    }
}
