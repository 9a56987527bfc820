package io.tandem.vrrp.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Priority and fault from tracked items, keepalived's way, without a socket or root. */
class TrackingTest {

    @Test
    void nothingDownRunsAtTheConfiguredPriority() {
        Tracking t = new Tracking(150);
        t.add("interface eth1", 20, false);
        t.add("service web", 30, false);
        assertEquals(150, t.priority());
        assertFalse(t.faulted());
        assertNull(t.faultCause());
    }

    @Test
    void eachDownItemLowersThePriorityByItsWeight() {
        Tracking t = new Tracking(150);
        Tracking.Item eth1 = t.add("interface eth1", 20, false);
        Tracking.Item web = t.add("service web", 30, false);
        assertTrue(t.set(web, true));
        assertEquals(120, t.priority());
        assertTrue(t.set(eth1, true));
        assertEquals(100, t.priority(), "weights add up");
        assertTrue(t.set(web, false));
        assertEquals(130, t.priority(), "an item back up gives its weight back");
        assertFalse(t.faulted(), "a weighted item lowers the priority, it never faults");
    }

    @Test
    void aNegativeWeightCountsByItsSize() {
        Tracking t = new Tracking(100);
        t.add("script 'check'", -15, true);
        assertEquals(85, t.priority());
    }

    @Test
    void anItemDownFromTheStartCountsAtOnce() {
        Tracking t = new Tracking(100);
        t.add("interface eth1", 10, true);
        assertEquals(90, t.priority());
    }

    @Test
    void priorityStaysWithinOneToTwoFiftyFour() {
        Tracking low = new Tracking(30);
        low.add("service web", 50, true);
        low.add("service api", 50, true);
        assertEquals(1, low.priority(), "never below 1, which still takes part in elections");
        assertEquals(254, new Tracking(254).priority());
    }

    @Test
    void anAddressOwnerKeepsTwoFiftyFiveWhateverIsDown() {
        Tracking t = new Tracking(255);
        t.add("service web", 50, true);
        assertEquals(255, t.priority());
    }

    @Test
    void aWeightlessItemThatIsDownFaultsTheInstanceAndNamesTheCause() {
        Tracking t = new Tracking(150);
        Tracking.Item own = t.add("interface eth0", 0, false);
        Tracking.Item script = t.add("script 'test -f /ok'", 0, false);
        Tracking.Item eth1 = t.add("interface eth1", 20, false);
        t.set(eth1, true);
        assertFalse(t.faulted(), "a weighted item down is no fault");
        t.set(own, true);
        assertTrue(t.faulted());
        assertEquals("interface eth0 down", t.faultCause());
        t.set(script, true);
        assertEquals("interface eth0 down, script 'test -f /ok' down", t.faultCause());
        assertEquals(130, t.priority(), "a weightless item does not change the priority");
        t.set(own, false);
        t.set(script, false);
        assertFalse(t.faulted(), "the fault clears once every weightless item is up");
        assertNull(t.faultCause());
    }

    @Test
    void aFaultInTheSyncGroupFaultsTheInstanceWithoutBeingItsOwn() {
        Tracking t = new Tracking(150);
        Tracking.Item own = t.add("interface eth0", 0, false);
        t.groupFault("sync group G1: VI_2 in fault");
        assertTrue(t.faulted());
        assertFalse(t.ownFault(), "the group hears only of the instance's own faults");
        assertEquals("sync group G1: VI_2 in fault", t.faultCause());
        t.set(own, true);
        assertTrue(t.ownFault());
        assertEquals("interface eth0 down", t.faultCause(), "its own cause first");
        t.set(own, false);
        t.groupFault(null);
        assertFalse(t.faulted());
        assertNull(t.faultCause());
    }

    @Test
    void settingTheSameStateAgainChangesNothing() {
        Tracking t = new Tracking(150);
        Tracking.Item item = t.add("service web", 30, false);
        assertFalse(t.set(item, false));
        assertTrue(t.set(item, true));
        assertFalse(t.set(item, true));
        assertEquals(120, t.priority(), "counted once");
    }

    @Test
    void aPriorityOutsideOneToTwoFiftyFiveIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Tracking(0));
        assertThrows(IllegalArgumentException.class, () -> new Tracking(256));
    }
}
