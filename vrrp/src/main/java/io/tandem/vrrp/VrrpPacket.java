package io.tandem.vrrp;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One VRRP ADVERTISEMENT (the only type there is). {@code intervalCentis} is the advertisement interval in
 * centiseconds for both versions: v3's Max Adver Int as is, v2's Adver Int (seconds) × 100. {@code authPass} is
 * v2's simple-text password (auth type 1), null for auth type 0 and always null for v3. Priority 0 means the
 * master is leaving; 255 that the sender owns the addresses.
 */
public record VrrpPacket(int version, int vrid, int priority, int intervalCentis, List<InetAddress> addresses,
                         String authPass) {
    /** The only VRRP packet type (RFC 5798 §5.2.2, RFC 3768 §5.3.2). */
    public static final int TYPE_ADVERTISEMENT = 1;
    /** The priority of the router that owns the addresses. */
    public static final int OWNER_PRIORITY = 255;
    /** The priority a master advertises when it stops being master (shutdown, fault). */
    public static final int STOP_PRIORITY = 0;
    /** Auth Type 0 and 1 of RFC 3768 §5.3.6 (2, IP AH, is obsolete and never accepted). */
    public static final int AUTH_NONE = 0;
    public static final int AUTH_SIMPLE_TEXT = 1;
    /** RFC 3768's Authentication Data: 8 bytes. */
    public static final int AUTH_DATA_LENGTH = 8;

    public VrrpPacket {
        if (version != 2 && version != 3) {
            throw new IllegalArgumentException("VRRP version must be 2 or 3, got " + version);
        }
        if (vrid < 1 || vrid > 255 || priority < 0 || priority > 255) {
            throw new IllegalArgumentException("vrid must be 1..255 and priority 0..255, got " + vrid + "/" + priority);
        }
        int maxInterval = version == 3 ? VrrpTiming.MAX_V3_CENTIS : VrrpTiming.MAX_V2_SECONDS * 100;
        if (intervalCentis < 0 || intervalCentis > maxInterval || (version == 2 && intervalCentis % 100 != 0)) {
            throw new IllegalArgumentException("bad VRRPv" + version + " interval " + intervalCentis + "cs");
        }
        addresses = List.copyOf(addresses);
        if (addresses.size() > 255) {
            throw new IllegalArgumentException("at most 255 addresses in an advertisement");
        }
        for (InetAddress address : addresses) {
            if ((address instanceof Inet4Address) != (addresses.get(0) instanceof Inet4Address)) {
                throw new IllegalArgumentException("one address family per advertisement");
            }
            if (version == 2 && !(address instanceof Inet4Address)) {
                throw new IllegalArgumentException("VRRPv2 carries IPv4 addresses only");
            }
        }
        if (authPass != null && (version != 2 || authBytes(authPass).length > AUTH_DATA_LENGTH)) {
            throw new IllegalArgumentException("auth-pass is for VRRPv2 only, at most 8 bytes");
        }
    }

    /** RFC 3768's Auth Type for this packet. */
    public int authType() {
        return authPass == null ? AUTH_NONE : AUTH_SIMPLE_TEXT;
    }

    /** The password as the 8 bytes of Authentication Data, zero-padded (all zero for auth type 0). */
    byte[] authData() {
        byte[] data = new byte[AUTH_DATA_LENGTH];
        if (authPass != null) {
            byte[] pass = authBytes(authPass);
            System.arraycopy(pass, 0, data, 0, pass.length);
        }
        return data;
    }

    static byte[] authBytes(String pass) {
        return pass.getBytes(StandardCharsets.UTF_8);
    }
}
