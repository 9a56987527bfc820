package io.tandem.vrrp.runtime;

import io.tandem.core.log.RateLimitedLog;
import io.tandem.core.testing.Await;
import io.tandem.core.testing.LogLines;
import io.tandem.vrrp.VrrpCodec;
import io.tandem.vrrp.VrrpPacket;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A peer that sends bad adverts costs one log line per reason and quiet period, with a count of the others. */
class AdvertWarningsTest {
    private static final InetAddress PEER = address("198.18.0.2");
    private static final InetAddress GROUP = address("224.0.0.18");
    private static final InetAddress VIP = address("198.18.0.100");

    @Test
    void aBurstOfAdvertsWithTheWrongPasswordIsOneLineThenOneWithTheCountLeftOut() throws Exception {
        // The peer's password is "other"; this instance's is "secret": every advert is dropped as AUTH_MISMATCH.
        byte[] wire = VrrpCodec.encode(new VrrpPacket(2, 51, 100, 100, List.of(VIP), "other"), PEER, GROUP);
        VrrpCodec.Expected ours = new VrrpCodec.Expected(2, 51, false, 100, "secret", Set.of(VIP));
        // From another router with its own VRID: normal traffic on a shared segment, never logged.
        byte[] foreign = VrrpCodec.encode(new VrrpPacket(2, 52, 100, 100, List.of(VIP), "secret"), PEER, GROUP);
        String dropped = "vrrp VI_1: dropped AUTH_MISMATCH from 198.18.0.2: wrong password";
        try (LogLines logs = LogLines.capture()) {
            AdvertWarnings warnings = new AdvertWarnings("VI_1");
            long burstStart = System.nanoTime();
            for (int i = 0; i < 50; i++) {
                warnings.report(VrrpCodec.decode(wire, PEER, GROUP, 255, ours), PEER);
                warnings.report(VrrpCodec.decode(foreign, PEER, GROUP, 255, ours), PEER);
            }
            assertEquals(List.of("WARNING " + dropped + " (compare that router's VRRP settings with this "
                    + "instance's)"), logs.containing("vrrp VI_1"), () -> logs.all().toString());
            // Once the quiet period is over, the next one is logged with the count of those left out.
            long wait = TimeUnit.SECONDS.toMillis(RateLimitedLog.QUIET_SECONDS)
                    - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - burstStart) + 100;
            Thread.sleep(Math.max(0, wait)); // the quiet period passes
            warnings.report(VrrpCodec.decode(wire, PEER, GROUP, 255, ours), PEER);
            Await.until(() -> "a second line: " + logs.all(), () -> logs.containing("vrrp VI_1").size() == 2);
            String second = logs.containing("vrrp VI_1").get(1);
            assertTrue(second.startsWith("WARNING " + dropped), second);
            assertTrue(second.endsWith("; 49 more since the last report"), second);
        }
    }

    @Test
    void eachReasonHasItsOwnLine() {
        byte[] wire = VrrpCodec.encode(new VrrpPacket(2, 51, 100, 100, List.of(VIP), "other"), PEER, GROUP);
        VrrpCodec.Expected ours = new VrrpCodec.Expected(2, 51, false, 100, "other", Set.of(VIP));
        try (LogLines logs = LogLines.capture()) {
            AdvertWarnings warnings = new AdvertWarnings("VI_2");
            for (int i = 0; i < 5; i++) {
                warnings.report(VrrpCodec.decode(wire, PEER, GROUP, 64, ours), PEER);
                warnings.report(VrrpCodec.decode(wire, PEER, GROUP, 255,
                        new VrrpCodec.Expected(2, 51, false, 100, "secret", Set.of(VIP))), PEER);
            }
            List<String> lines = logs.containing("vrrp VI_2");
            assertEquals(2, lines.size(), lines::toString);
            assertTrue(lines.get(0).contains("dropped BAD_TTL from 198.18.0.2"), lines.get(0));
            assertTrue(lines.get(1).contains("dropped AUTH_MISMATCH from 198.18.0.2"), lines.get(1));
        }
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
