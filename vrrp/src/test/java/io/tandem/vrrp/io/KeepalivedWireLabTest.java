package io.tandem.vrrp.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.tandem.vrrp.io.RawIpSocket.Family;
import io.tandem.vrrp.io.RawIpSocket.Received;
import io.tandem.vrrp.lab.Keepalived;
import io.tandem.vrrp.lab.Lab;

/** keepalived as MASTER in one namespace; our raw socket in another receives its adverts, byte for byte. */
@Timeout(30)
class KeepalivedWireLabTest {
    private static Lab lab;

    @BeforeAll
    static void createLab() {
        Lab.requireRoot();
        Keepalived.requireInstalled();
        lab = Lab.create(2);
    }

    @AfterAll
    static void removeLab() {
        if (lab != null) {
            lab.close();
        }
    }

    private static Received firstAdvertFrom(RawIpSocket socket, String source, Keepalived keepalived)
            throws Exception {
        InetAddress from = InetAddress.getByName(source);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(8);
        while (System.nanoTime() < deadline) {
            Received r = socket.receive(200);
            if (r != null && r.source().equals(from)) {
                return r;
            }
        }
        throw new AssertionError("no advert from keepalived at " + source + "; its log:\n" + keepalived.log());
    }

    @Test
    void keepalivedV3MasterAdvertsArriveAtOurRawSocket() throws Exception {
        String conf = Keepalived.config("tdm_a",
                Keepalived.Instance.multicast(51, 150, 3, "0.5", true, Lab.VIP + "/24"));
        try (RawIpSocket rx = lab.inNamespace(lab.b(), () -> {
                    RawIpSocket s = RawIpSocket.open(Lab.IFACE, RawIpSocket.PROTO_VRRP, Family.V4);
                    s.joinMulticast(RawIpSocket.VRRP_GROUP_V4);
                    return s;
                });
                Keepalived keepalived = Keepalived.start(lab, lab.a(), conf)) {
            long t0 = System.nanoTime();
            Received advert = firstAdvertFrom(rx, lab.a().ip(), keepalived);
            System.out.printf("keepalived v3: first advert %.0f ms after start%n", (System.nanoTime() - t0) / 1e6);
            byte[] p = advert.payload();
            assertEquals(RawIpSocket.VRRP_GROUP_V4, advert.destination());
            assertEquals(255, advert.ttl());
            assertEquals(12, p.length, "v3 header + one IPv4 address: " + Arrays.toString(p));
            assertEquals(3, p[0] >> 4 & 0xF, "version");
            assertEquals(1, p[0] & 0xF, "type: advertisement");
            assertEquals(51, p[1] & 0xFF, "vrid");
            assertEquals(150, p[2] & 0xFF, "priority");
            assertEquals(1, p[3], "address count");
            assertEquals(50, ((p[4] & 0x0F) << 8 | p[5] & 0xFF), "max advert interval in centiseconds");
            assertEquals(InetAddress.getByName(Lab.VIP), InetAddress.getByAddress(Arrays.copyOfRange(p, 8, 12)));
            keepalived.awaitLog("Entering MASTER STATE", Duration.ofSeconds(5));
            assertTrue(lab.ipOk(lab.a().ns(), "-4", "addr", "show", "dev", Lab.IFACE).contains(Lab.VIP + "/24"),
                    "keepalived holds the VIP on A");
        }
    }

    @Test
    void keepalivedV2MasterAdvertsArriveAtOurRawSocket() throws Exception {
        String conf = Keepalived.config("tdm_a",
                Keepalived.Instance.multicast(52, 120, 2, "1", true, "198.18.0.101/24"));
        try (RawIpSocket rx = lab.inNamespace(lab.b(), () -> {
                    RawIpSocket s = RawIpSocket.open(Lab.IFACE, RawIpSocket.PROTO_VRRP, Family.V4);
                    s.joinMulticast(RawIpSocket.VRRP_GROUP_V4);
                    return s;
                });
                Keepalived keepalived = Keepalived.start(lab, lab.a(), conf)) {
            Received advert = firstAdvertFrom(rx, lab.a().ip(), keepalived);
            byte[] p = advert.payload();
            assertEquals(255, advert.ttl());
            assertEquals(2, p[0] >> 4 & 0xF, "version");
            assertEquals(52, p[1] & 0xFF, "vrid");
            assertEquals(120, p[2] & 0xFF, "priority");
            assertEquals(1, p[5], "advert interval in seconds");
            assertEquals(InetAddress.getByName("198.18.0.101"),
                    InetAddress.getByAddress(Arrays.copyOfRange(p, 8, 12)));
        }
    }
}
