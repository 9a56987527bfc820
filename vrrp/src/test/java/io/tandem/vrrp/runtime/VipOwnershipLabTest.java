package io.tandem.vrrp.runtime;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.tandem.vrrp.VrrpState;
import io.tandem.vrrp.io.Vip;
import io.tandem.vrrp.io.VipManager;
import io.tandem.vrrp.lab.Lab;

/** Which addresses an instance adds and removes, on a real interface in a namespace. */
class VipOwnershipLabTest {
    private static final Vip VIP = Vip.parse(Lab.VIP + "/24");

    private static Lab lab;
    private VipManager vips;
    private InetAddress own;

    @BeforeAll
    static void createLab() {
        lab = Lab.create(1);
    }

    @AfterAll
    static void removeLab() {
        if (lab != null) {
            lab.close();
        }
    }

    @BeforeEach
    void openManager() throws Exception {
        vips = lab.inNamespace(lab.a(), VipManager::open); // its netlink socket stays in a's namespace
        own = InetAddress.getByName(lab.a().ip());
    }

    @AfterEach
    void clean() throws Exception {
        try (VipManager closing = vips) {
            vips.removeStale(Lab.IFACE, List.of(VIP));
        }
        if (!lab.holds(lab.a(), lab.a().ip())) {
            lab.ipOk(lab.a().ns(), "addr", "add", lab.a().ip() + "/24", "dev", Lab.IFACE);
        }
    }

    private VipOwnership ownership(Vip... addresses) {
        return new VipOwnership("VI_1", Lab.IFACE, List.of(addresses), own, vips);
    }

    @Test
    void aVipThisNodeDidNotAddIsRemovedOnEntryToBackupWhateverItsPrefix() {
        lab.ipOk(lab.a().ns(), "addr", "add", Lab.VIP + "/32", "dev", Lab.IFACE); // by hand, another prefix
        VipOwnership o = ownership(VIP);
        o.release(VrrpState.BACKUP);
        assertFalse(lab.holdsVip(lab.a()));
        assertTrue(lab.holds(lab.a(), lab.a().ip()), "the node's own address stays");
        assertFalse(o.holding());
    }

    @Test
    void aMasterTakesAndReleasesItsVips() {
        VipOwnership o = ownership(VIP);
        o.take();
        assertTrue(o.holding());
        assertTrue(lab.holdsVip(lab.a()));
        o.release(VrrpState.BACKUP);
        assertFalse(o.holding());
        assertFalse(lab.holdsVip(lab.a()));
    }

    @Test
    void theInterfacesOwnAddressIsNeitherAddedNorRemoved() {
        Vip ownVip = new Vip(own, 24);
        VipOwnership o = ownership(ownVip, VIP);
        o.release(VrrpState.BACKUP);
        assertTrue(lab.holds(lab.a(), lab.a().ip()), "not removed as stale");
        o.take();
        assertTrue(lab.holdsVip(lab.a()));
        o.release(VrrpState.FAULT);
        assertFalse(lab.holdsVip(lab.a()), "the other VIP went");
        assertTrue(lab.holds(lab.a(), lab.a().ip()), "not removed on leaving MASTER either");
        o.release(VrrpState.STOPPED);
        assertTrue(lab.holds(lab.a(), lab.a().ip()), "nor at stop");
    }
}
