package io.tandem.cluster;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AdminStatesTest {
    private static ServerChange state(String value) {
        return new ServerChange("l7:app/app-01", ServerChange.Setting.STATE, value);
    }

    @Test
    void bothNodesKeepTheSameChangeWhateverOrderTheyArriveIn() {
        AdminStates a = new AdminStates("lb-a");
        AdminStates b = new AdminStates("lb-b");
        AdminStates.Entry fromA = a.local(state("maint"));
        AdminStates.Entry fromB = b.local(state("drain")); // the same version: made at the same time
        assertTrue(a.offer(fromB), "lb-b breaks the tie on a");
        assertFalse(b.offer(fromA), "and keeps its own on b");
        assertEquals(a.all(), b.all());
        assertEquals("drain", a.all().get(0).change().value());
    }

    @Test
    void aLocalChangeAfterAPeersIsNewerThanIt() {
        AdminStates a = new AdminStates("lb-a");
        AdminStates b = new AdminStates("lb-b");
        b.local(state("drain"));
        b.local(state("maint"));
        AdminStates.Entry peer = b.local(state("drain"));
        assertTrue(a.offer(peer));
        AdminStates.Entry local = a.local(state("ready"));
        assertTrue(b.offer(local));
        assertEquals(List.of(local), b.all());
        assertFalse(a.offer(peer), "an old change arriving again changes nothing");
    }

    @Test
    void stateAndWeightAreVersionedApart() {
        AdminStates a = new AdminStates("lb-a");
        a.local(state("maint"));
        a.local(new ServerChange("l7:app/app-01", ServerChange.Setting.WEIGHT, "3"));
        assertEquals(2, a.all().size());
    }

    @Test
    void anAddOrRemoveStartsTheServerAfreshAndAStateOfTheServerBeforeIsRefused() {
        AdminStates a = new AdminStates("lb-a");
        AdminStates b = new AdminStates("lb-b");
        AdminStates.Entry oldState = b.local(state("maint"));
        a.local(state("drain"));
        AdminStates.Entry removed = a.local(new ServerChange("l7:app/app-01", ServerChange.Setting.SERVER,
                ServerChange.REMOVED));
        assertEquals(List.of(removed), a.all(), "the drain was of the server before");
        assertFalse(a.offer(oldState), "a state made before the removal, arriving late");
        assertEquals(removed, a.current(oldState), "what it lost to");
        assertTrue(b.offer(removed));
        assertEquals(List.of(removed), b.all());
        assertEquals(List.of("l7:app/app-01"), a.runtimeServers());
    }

    @Test
    void changesComeOldestFirstSoAnAddedServerIsThereBeforeItsState() {
        AdminStates a = new AdminStates("lb-a");
        AdminStates b = new AdminStates("lb-b");
        AdminStates.Entry added = a.local(new ServerChange("l7:app/app-03", ServerChange.Setting.SERVER,
                "127.0.0.1:9 weight 1"));
        AdminStates.Entry weight = b.local(new ServerChange("l7:app/app-01", ServerChange.Setting.WEIGHT, "4"));
        AdminStates.Entry maint = a.local(new ServerChange("l7:app/app-03", ServerChange.Setting.STATE, "maint"));
        assertTrue(a.offer(weight));
        assertEquals(List.of(added, weight, maint), a.all(), "by version, then node");
    }
}
