package io.tandem.core.net;

import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DescriptorsTest {

    @Test
    void emfileIsFoundInTheCausesAndToldApartFromTheSystemWideTable() {
        assertTrue(Descriptors.exhausted(new IOException("wrapped",
                new IOException("accept(..) failed: Too many open files"))));
        assertFalse(Descriptors.exhausted(new IOException("Too many open files in system")));
        assertFalse(Descriptors.exhausted(new IOException("Connection refused")));
    }

    @Test
    void aMaxconnThatFitsTheLimitGetsNoWarning() {
        assertNull(Descriptors.shortageWarning(4096, 65536));
        assertNull(Descriptors.shortageWarning(100, 456));
    }

    @Test
    void theWarningSaysWhatMaxconnNeedsAndAMaxconnThatFits() {
        String warning = Descriptors.shortageWarning(4096, 1024);
        assertTrue(warning.contains("global.maxconn 4096 needs about 8448 file descriptors (2 per proxied connection"
                + " + 256) but this process may open only 1024"), warning);
        assertTrue(warning.contains("LimitNOFILE="), warning);
        assertTrue(warning.contains("or lower maxconn to 384"), warning);
    }

    @Test
    void underATinyLimitOnlyRaisingItIsAdvisedNeverAMaxconnOfOne() {
        String warning = Descriptors.shortageWarning(4096, 258);
        assertTrue(warning.contains("raise the limit"), warning);
        assertFalse(warning.contains("lower maxconn"), warning);
    }
}
