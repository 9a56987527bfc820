package io.tandem.core.config;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigVersionTest {
    private static final ConfigVersion OLD = new ConfigVersion("9c1d0e2f3a4b", 3);
    private static final ConfigVersion NEW = new ConfigVersion("3f2a9c1e0b7d", 4);

    @Test
    void theHigherSerialWinsOnBothNodes() {
        assertTrue(NEW.newerThan("lb-a", OLD, "lb-b"));
        assertFalse(OLD.newerThan("lb-b", NEW, "lb-a"));
    }

    @Test
    void aTieOfSerialsGoesToTheNodeWhoseNameSortsLastAndOnlyToIt() {
        ConfigVersion onA = new ConfigVersion("3f2a9c1e0b7d", 5);
        ConfigVersion onB = new ConfigVersion("9c1d0e2f3a4b", 5);
        assertTrue(onB.newerThan("lb-b", onA, "lb-a"));
        assertFalse(onA.newerThan("lb-a", onB, "lb-b"));
    }

    @Test
    void theSameSectionsAreNeverNewerWhateverTheSerial() {
        assertFalse(new ConfigVersion("3f2a9c1e0b7d", 9).newerThan("lb-b", new ConfigVersion("3f2a9c1e0b7d", 1),
                "lb-a"));
    }
}
