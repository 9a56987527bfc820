package io.tandem.appliance.setup;

import io.tandem.core.config.VirtualAddress;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The ifupdown stanza and the hosts line the wizard writes. */
class NetworkSettingsTest {
    @Test
    void aStaticAddressWithAGateway() throws Exception {
        NetworkSettings settings = new NetworkSettings("lb-a", "ens3", VirtualAddress.parse("198.18.0.11/24"),
                InetAddress.getByName("198.18.0.1"));
        assertEquals("# Written by tandem setup.\nauto ens3\niface ens3 inet static\n    address 198.18.0.11/24\n"
                + "    gateway 198.18.0.1\n", settings.stanza());
    }

    @Test
    void dhcpAndIpv6() throws Exception {
        assertEquals("# Written by tandem setup.\nauto eth0\niface eth0 inet dhcp\n",
                new NetworkSettings("lb-a", "eth0", null, null).stanza());
        assertEquals("# Written by tandem setup.\nauto eth0\niface eth0 inet6 static\n    address 2001:db8::11/64\n",
                new NetworkSettings("lb-a", "eth0", VirtualAddress.parse("2001:db8::11/64"), null).stanza());
    }

    @Test
    void theHostsLineOfTheHostsOwnNameIsReplacedOrAdded() {
        NetworkSettings settings = new NetworkSettings("lb-b", "eth0", null, null);
        assertEquals("127.0.0.1\tlocalhost\n127.0.1.1\tlb-b\n::1\tlocalhost\n",
                settings.hosts("127.0.0.1\tlocalhost\n127.0.1.1 debian\n::1\tlocalhost\n"));
        assertEquals("127.0.0.1\tlocalhost\n127.0.1.1\tlb-b\n", settings.hosts("127.0.0.1\tlocalhost\n"));
    }
}
