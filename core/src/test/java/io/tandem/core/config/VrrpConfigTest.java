package io.tandem.core.config;

import io.tandem.core.config.VrrpInstanceConfig.Garp;
import io.tandem.core.config.VrrpInstanceConfig.TrackItem;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;

import static io.tandem.core.config.ConfigLoaderTest.assertErrors;
import static io.tandem.core.config.ConfigLoaderTest.errors;
import static io.tandem.core.config.ConfigLoaderTest.parse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The {@code vrrp} block: every key, keepalived's defaults, and each mistake at its line and column. */
class VrrpConfigTest {
    private static final String L7 = """
            l7:
              frontends:
                https_front:
                  bind: 127.0.0.1:8080
                  default-backend: app
              backends:
                app:
                  servers: { a: 10.0.0.1:80 }
            """;

    /** A minimal instance, at line 3, to which tests add one key. */
    private static String instance(String extra) {
        return """
                vrrp:
                  instances:
                    VI_1:
                      interface: eth0
                      vrid: 51
                      virtual-addresses: [10.10.10.100/24]
                """ + extra.indent(6);
    }

    private static VrrpInstanceConfig only(String yaml) {
        LoadResult result = parse(yaml);
        assertEquals(List.of(), errors(result));
        return result.config().vrrp().instances().values().iterator().next();
    }

    @Test
    void designExampleLoadsWithItsValues() throws Exception {
        VrrpInstanceConfig vi = only(L7 + """
                vrrp:
                  instances:
                    VI_1:
                      interface: eth0
                      vrid: 51
                      priority: 150
                      version: 3
                      advert-interval: 100ms
                      preempt: true
                      preempt-delay: 0s
                      virtual-addresses: [10.10.10.100/24]
                      unicast: { source: 10.10.10.11, peers: [10.10.10.12] }
                      track: { interfaces: [eth1], services: [https_front] }
                      notify: /etc/tandem/notify.sh
                """);
        assertEquals("VI_1", vi.name());
        assertEquals("eth0", vi.interfaceName());
        assertEquals(51, vi.vrid());
        assertEquals(150, vi.priority());
        assertEquals(3, vi.version());
        assertEquals(Duration.ofMillis(100), vi.advertInterval());
        assertTrue(vi.preempt());
        assertEquals(Duration.ZERO, vi.preemptDelay());
        assertEquals(List.of(new VirtualAddress(InetAddress.getByName("10.10.10.100"), 24)), vi.virtualAddresses());
        assertEquals(InetAddress.getByName("10.10.10.11"), vi.unicast().source());
        assertEquals(List.of(InetAddress.getByName("10.10.10.12")), vi.unicast().peers());
        assertEquals(List.of("eth1"), vi.track().interfaces().stream().map(TrackItem::name).toList());
        assertEquals(List.of("https_front"), vi.track().services().stream().map(TrackItem::name).toList());
        assertEquals("/etc/tandem/notify.sh", vi.notifyCommand());
        assertEquals(11, vi.pos().line());
    }

    @Test
    void absentVrrpIsEmpty() {
        assertSame(VrrpConfig.EMPTY, parse(L7).config().vrrp());
    }

    @Test
    void defaultsAreKeepalivedsWithVersion3() {
        VrrpInstanceConfig vi = only(instance(""));
        assertEquals(100, vi.priority());
        assertEquals(3, vi.version());
        assertEquals(Duration.ofSeconds(1), vi.advertInterval());
        assertTrue(vi.preempt());
        assertEquals(Duration.ZERO, vi.preemptDelay());
        assertNull(vi.unicast());
        assertTrue(vi.track().isEmpty());
        assertNull(vi.notifyCommand());
        assertNull(vi.authPass());
        assertEquals(Garp.DEFAULT, vi.garp());
        assertEquals(new Garp(5, Duration.ZERO), vi.garp());
        assertNull(vi.garpRefresh());
        assertFalse(vi.isOwner());
    }

    @Test
    void version2WithAuthGarpAndScripts() {
        VrrpInstanceConfig vi = only(instance("""
                version: 2
                priority: 255
                advert-interval: 3s
                auth-pass: secret12
                garp: { repeat: 3, interval: 100ms }
                garp-refresh: 60s
                track:
                  interfaces: [eth1 weight -20, eth2]
                  scripts:
                    - /usr/bin/true
                    - { script: /bin/check_api, interval: 2s, weight: -30, fall: 2, rise: 3 }
                """));
        assertEquals(2, vi.version());
        assertTrue(vi.isOwner());
        assertEquals(Duration.ofSeconds(3), vi.advertInterval());
        assertEquals("secret12", vi.authPass());
        assertEquals(new Garp(3, Duration.ofMillis(100)), vi.garp());
        assertEquals(Duration.ofSeconds(60), vi.garpRefresh());
        assertEquals(-20, vi.track().interfaces().get(0).weight());
        assertEquals(0, vi.track().interfaces().get(1).weight());
        assertEquals(2, vi.track().scripts().size());
        assertEquals("/bin/check_api", vi.track().scripts().get(1).command());
        assertEquals(-30, vi.track().scripts().get(1).weight());
        assertEquals(3, vi.track().scripts().get(1).rise());
    }

    @Test
    void ipv6InstanceAndBareAddressIsHostRoute() throws Exception {
        VrrpInstanceConfig vi = only("""
                vrrp:
                  instances:
                    VI_6:
                      interface: eth0
                      vrid: 51
                      virtual-addresses: [fe80::1, 2001:db8::100/64]
                """);
        assertFalse(vi.isIpv4());
        assertEquals(new VirtualAddress(InetAddress.getByName("fe80::1"), 128), vi.virtualAddresses().get(0));
        assertEquals(64, vi.virtualAddresses().get(1).prefixLength());
    }

    @Test
    void vridAndPriorityRangesAreChecked() {
        assertErrors("""
                vrrp:
                  instances:
                    VI_1:
                      interface: eth0
                      vrid: 256
                      priority: 0
                      virtual-addresses: [10.10.10.100/24]
                """,
                "5:13: 'vrid' must be an integer in 1..255, got 256",
                "6:17: 'priority' must be an integer in 1..255, got 0");
    }

    @Test
    void duplicateVridOnOneInterfacePointsAtTheFirst() {
        assertErrors("""
                vrrp:
                  instances:
                    VI_1: { interface: eth0, vrid: 51, virtual-addresses: [10.0.0.1/24] }
                    VI_2: { interface: eth1, vrid: 51, virtual-addresses: [10.0.1.1/24] }
                    VI_3: { interface: eth0, vrid: 51, virtual-addresses: [10.0.2.1/24] }
                    VI_6: { interface: eth0, vrid: 51, virtual-addresses: ['2001:db8::1/64'] }
                """,
                "5:36: vrid 51 is already used on eth0 by instance VI_1 at 3:36");
    }

    @Test
    void advertIntervalResolutionDependsOnVersion() {
        assertErrors(instance("version: 2\nadvert-interval: 1500ms\n"),
                "8:24: VRRPv2 'advert-interval' must be whole seconds in 1s..255s, got 1500ms");
        assertErrors(instance("version: 2\nadvert-interval: 256s\n"),
                "8:24: VRRPv2 'advert-interval' must be whole seconds in 1s..255s, got 256s");
        assertErrors(instance("advert-interval: 15ms\n"),
                "7:24: VRRPv3 'advert-interval' must be a multiple of 10ms in 10ms..40950ms, got 15ms");
        assertErrors(instance("advert-interval: 41s\n"),
                "7:24: VRRPv3 'advert-interval' must be a multiple of 10ms in 10ms..40950ms, got 41s");
        assertEquals(Duration.ofMillis(40950), only(instance("advert-interval: 40950ms\n")).advertInterval());
        assertEquals(Duration.ofMillis(10), only(instance("advert-interval: 10ms\n")).advertInterval());
        assertErrors(instance("version: 4\n"), "7:16: 'version' must be 2 (RFC 3768) or 3 (RFC 5798), got 4");
    }

    @Test
    void mixedAddressFamiliesAreRejected() {
        assertErrors("""
                vrrp:
                  instances:
                    VI_1:
                      interface: eth0
                      vrid: 51
                      virtual-addresses: [10.0.0.1/24, '2001:db8::1/64']
                      unicast: { source: '2001:db8::2', peers: [10.0.0.3] }
                """,
                "6:41: virtual address 2001:db8::1/64 is IPv6 but 10.0.0.1/24 is IPv4"
                        + " (one address family per instance)",
                "7:27: unicast source 2001:db8::2 is IPv6 but the virtual addresses are IPv4");
    }

    @Test
    void version2IsIpv4OnlyAndAuthPassIsVersion2Only() {
        assertErrors(instance("version: 2\nvirtual-addresses: ['2001:db8::1/64']\n").replace(
                        "      virtual-addresses: [10.10.10.100/24]\n", ""),
                "7:28: VRRPv2 is IPv4 only (RFC 3768); use version: 3 for 2001:db8::1/64");
        assertErrors(instance("auth-pass: secret\n"),
                "7:7: 'auth-pass' applies to VRRPv2 only (RFC 5798 has no authentication); add version: 2");
        assertErrors(instance("version: 2\nauth-pass: toolongpass\n"),
                "8:18: 'auth-pass' is at most 8 characters (VRRPv2 simple-text authentication)");
    }

    @Test
    void requiredKeysAreNamed() {
        assertErrors("vrrp:\n  instances:\n    VI_1: { priority: 100 }\n",
                "3:5: instance 'VI_1' needs 'interface'",
                "3:5: instance 'VI_1' needs 'vrid'",
                "3:5: instance 'VI_1' needs 'virtual-addresses'");
    }

    @Test
    void unknownKeysGetDidYouMean() {
        assertErrors(instance("prority: 100\n"),
                "7:7: unknown key 'prority' in instance 'VI_1'; did you mean 'priority'?");
        assertErrors("vrrp:\n  instance: {}\n",
                "2:3: unknown key 'instance' in vrrp; did you mean 'instances'?");
        assertErrors(instance("unicast: { peer: [10.0.0.2] }\n"),
                "7:7: unicast needs 'peers'",
                "7:18: unknown key 'peer' in unicast; did you mean 'peers'?");
        assertErrors(instance("track: { service: [web] }\n"),
                "7:16: unknown key 'service' in track; did you mean 'services'?");
    }

    @Test
    void trackedServicesMustExist() {
        assertErrors(L7 + instance("track: { services: [https_frnt] }"),
                "15:27: unknown service 'https_frnt' in track.services; did you mean 'https_front'?");
    }

    @Test
    void syncGroupsNameExistingInstancesOnce() {
        LoadResult result = parse("""
                vrrp:
                  instances:
                    VI_1: { interface: eth0, vrid: 51, virtual-addresses: [10.0.0.1/24] }
                    VI_2: { interface: eth1, vrid: 52, virtual-addresses: [10.0.1.1/24] }
                  sync-groups:
                    G1: [VI_1, VI_2]
                    G2: [VI_2, VI_3]
                """);
        assertEquals(List.of(
                "7:10: instance 'VI_2' is already in sync group 'G1'",
                "7:16: unknown instance 'VI_3' in sync group 'G2'; did you mean 'VI_1'?"), errors(result));
        assertEquals(List.of("VI_1", "VI_2"), result.config().vrrp().syncGroups().get("G1").instances());
    }
}
