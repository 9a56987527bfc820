package io.tandem.core.config;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The value syntaxes: durations, sizes, addresses, ranges, integers and keywords. */
class ConfigValuesTest {

    @Test
    void durationsTakeUnitsAndBareIntegersAreMilliseconds() {
        assertEquals(Duration.ofMillis(100), ConfigValues.parseDuration("100ms"));
        assertEquals(Duration.ofSeconds(5), ConfigValues.parseDuration("5s"));
        assertEquals(Duration.ofMinutes(1), ConfigValues.parseDuration("1m"));
        assertEquals(Duration.ofHours(1), ConfigValues.parseDuration("3600s"));
        assertEquals(Duration.ofDays(1), ConfigValues.parseDuration("1d"));
        assertEquals(Duration.ofMillis(250), ConfigValues.parseDuration("250"));
        for (String bad : new String[] {"-1s", "5x", "1.5s", "s"}) {
            assertEquals("bad duration '" + bad + "' (use e.g. 100ms, 5s, 1m)",
                    assertThrows(IllegalArgumentException.class, () -> ConfigValues.parseDuration(bad)).getMessage());
        }
    }

    @Test
    void durationsReachTwentyFourDaysAndNoFurther() {
        assertEquals(Duration.ofDays(24), ConfigValues.parseDuration("24d"));
        assertEquals(Duration.ofDays(24), ConfigValues.parseDuration("0000000000000000000576h"));
        assertEquals(Duration.ofDays(24), ConfigValues.parseDuration("2073600000"));
        for (String tooLong : new String[] {"25d", "2073600001", "200000d", "99999999999d", "9999999999999999999999s"}) {
            assertEquals("duration '" + tooLong + "' is too long (at most 24d)",
                    assertThrows(IllegalArgumentException.class, () -> ConfigValues.parseDuration(tooLong))
                            .getMessage());
        }
    }

    @Test
    void sizesUseDecimalMultipliers() {
        assertEquals(100_000, ConfigValues.parseSize("100k"));
        assertEquals(1_000_000, ConfigValues.parseSize("1m"));
        assertEquals(2_000_000_000L, ConfigValues.parseSize("2g"));
        assertEquals(42, ConfigValues.parseSize("42"));
        assertThrows(IllegalArgumentException.class, () -> ConfigValues.parseSize("10K"));
    }

    @Test
    void addressesAcceptHostsIpv6AndWildcards() {
        assertEquals(new HostPort("10.0.0.1", 80), HostPort.parse("10.0.0.1:80"));
        assertEquals(new HostPort("::1", 443), HostPort.parse("[::1]:443"));
        assertEquals(new HostPort("api.internal", 8080), HostPort.parse("api.internal:8080"));
        assertTrue(HostPort.parse("*:80").isWildcard());
        for (String bad : new String[] {":80", "host", "[::1]80", "[nothost]:80", "h:0", "h:65536", "a b:1"}) {
            assertThrows(IllegalArgumentException.class, () -> HostPort.parse(bad), bad);
        }
    }

    @Test
    void cidrParsesLiteralsOnlyAndClearsHostBits() throws Exception {
        Cidr range = Cidr.parse("10.10.1.7/24");
        assertEquals("10.10.1.0/24", range.toString());
        assertTrue(range.contains(InetAddress.getByName("10.10.1.200")));
        assertFalse(range.contains(InetAddress.getByName("10.10.2.1")));
        assertEquals(128, Cidr.parse("::1").prefixLength());
        assertEquals(32, Cidr.parse("192.0.2.1").prefixLength());
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse("::1/129"));
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse("localhost"));
    }

    @Test
    void ipLiteralNeverResolvesNames() {
        assertNull(ConfigValues.parseIpLiteral("localhost"));
        assertNull(ConfigValues.parseIpLiteral("256.1.1.1"));
        assertNull(ConfigValues.parseIpLiteral("1.2.3"));
        assertEquals("0:0:0:0:0:0:0:1", ConfigValues.parseIpLiteral("::1").getHostAddress());
    }

    @Test
    void integersAreSignedDecimalsInTheRangeOfALong() {
        assertEquals(42L, ConfigValues.parseInteger("42"));
        assertEquals(-7L, ConfigValues.parseInteger("-7"));
        assertEquals(7L, ConfigValues.parseInteger("+7"));
        assertEquals(Long.MAX_VALUE, ConfigValues.parseInteger("9223372036854775807"));
        for (String notOne : new String[] {"", "-", "1.5", "0x10", " 1", "9223372036854775808", "12345678901234567890"}) {
            assertNull(ConfigValues.parseInteger(notOne), notOne);
        }
    }

    @Test
    void keywordsNameTheirConstantOrNothing() {
        assertNull(ConfigValues.named(new String[] {"tcp", "udp"}, String::toUpperCase, "tcp"));
        assertEquals("udp", ConfigValues.named(new String[] {"tcp", "udp"}, String::toUpperCase, "UDP"));
    }

    @Test
    void suggestionsFindTheClosestNameWithinTwoEdits() {
        assertEquals("frontends", Suggestions.closest("fronends", List.of("frontends", "backends")));
        assertNull(Suggestions.closest("colour", List.of("name", "workers")));
        assertEquals(1, Suggestions.distance("kitten", "kittn"));
    }
}
