package io.tandem.vrrp.runtime;

import io.tandem.core.config.VirtualAddress;
import io.tandem.core.config.VrrpInstanceConfig;
import io.tandem.vrrp.VrrpCodec;
import io.tandem.vrrp.VrrpPacket;
import io.tandem.vrrp.VrrpTiming;
import io.tandem.vrrp.io.PacketReceiver;
import io.tandem.vrrp.io.RawIpSocket;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * An instance's advertisements on the wire: one raw protocol-112 socket on its interface, sending to the VRRP
 * multicast group or to the unicast peers, from the interface's address (or the configured unicast source).
 * Packets are read on the receiver's own thread, decoded and checked there (drops counted by reason, errors logged
 * rate-limited by {@link AdvertWarnings}), and the accepted ones handed to a {@link Listener} with the time they arrived.
 */
final class AdvertChannel implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(AdvertChannel.class.getName());

    /** Hears an accepted advertisement, on the receiver's thread. */
    @FunctionalInterface
    interface Listener {
        void advert(VrrpPacket packet, InetAddress source, long receivedAtNanos);
    }

    private final VrrpInstanceConfig config;
    private final RawIpSocket socket;
    private final List<InetAddress> destinations;
    private final InetAddress localAddress;
    private final List<InetAddress> advertised;
    private final int intervalCentis;
    private final VrrpCodec.Expected expected;
    private final Map<VrrpCodec.DropReason, LongAdder> drops = new EnumMap<>(VrrpCodec.DropReason.class);
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong received = new AtomicLong();
    private final AdvertWarnings warnings;
    private PacketReceiver receiver;

    private AdvertChannel(VrrpInstanceConfig config, RawIpSocket socket, List<InetAddress> destinations,
                          InetAddress localAddress) {
        this.config = config;
        this.socket = socket;
        this.destinations = destinations;
        this.localAddress = localAddress;
        this.advertised = config.virtualAddresses().stream().map(VirtualAddress::address).toList();
        this.intervalCentis = VrrpTiming.toCentis(config.version(), config.advertInterval());
        this.expected = VrrpCodec.Expected.of(config);
        this.warnings = new AdvertWarnings(config.name());
        for (VrrpCodec.DropReason reason : VrrpCodec.DropReason.values()) {
            drops.put(reason, new LongAdder());
        }
    }

    /**
     * Opens the socket on the instance's interface (joining the multicast group unless unicast is configured).
     *
     * @throws IOException with one line an operator can act on (missing interface, no address, no CAP_NET_RAW, …)
     */
    static AdvertChannel open(VrrpInstanceConfig config) throws IOException {
        String iface = config.interfaceName();
        requireInterface(iface);
        RawIpSocket.Family family = config.isIpv4() ? RawIpSocket.Family.V4 : RawIpSocket.Family.V6;
        InetAddress source = config.unicast() == null ? null : config.unicast().source();
        RawIpSocket socket = RawIpSocket.open(iface, RawIpSocket.PROTO_VRRP, family, source);
        try {
            List<InetAddress> destinations;
            if (config.unicast() == null) {
                InetAddress group = family == RawIpSocket.Family.V4 ? RawIpSocket.VRRP_GROUP_V4
                        : RawIpSocket.VRRP_GROUP_V6;
                socket.joinMulticast(group);
                destinations = List.of(group);
            } else {
                destinations = List.copyOf(config.unicast().peers());
            }
            InetAddress local = source != null ? source : primaryAddress(socket, iface, family);
            return new AdvertChannel(config, socket, destinations, local);
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /** Starts reading advertisements on the receiver's thread. */
    void start(Listener listener) {
        receiver = PacketReceiver.start(socket, packet -> received(packet, listener), e -> LOG.log(
                System.Logger.Level.WARNING, "vrrp " + config.name() + ": receive failed: " + e.getMessage()));
    }

    private void received(RawIpSocket.Received packet, Listener listener) {
        // The master-down timer runs from when the advert arrived, not from when the instance's thread got to it:
        // on a busy machine the hop between threads would otherwise delay every takeover.
        long receivedAt = System.nanoTime();
        if (packet.source().equals(localAddress)) {
            return; // our own multicast
        }
        VrrpCodec.Decoded d = VrrpCodec.decode(packet.payload(), packet.source(), packet.destination(),
                packet.ttl(), expected);
        if (d.reason() != null) {
            drops.get(d.reason()).increment();
            warnings.report(d, packet.source());
        }
        if (d.accepted()) {
            received.incrementAndGet();
            listener.advert(d.packet(), packet.source(), receivedAt);
        }
    }

    /** Sends one advertisement with {@code priority} (0: this master is leaving) to every destination. */
    void send(int priority) {
        VrrpPacket packet = new VrrpPacket(config.version(), config.vrid(), priority, intervalCentis, advertised,
                config.authPass());
        for (InetAddress destination : destinations) {
            try {
                socket.send(VrrpCodec.encode(packet, localAddress, destination), destination);
                sent.incrementAndGet();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "vrrp " + config.name() + ": advert not sent: "
                        + e.getMessage());
            }
        }
    }

    /** The address advertisements leave from. */
    InetAddress localAddress() {
        return localAddress;
    }

    List<InetAddress> destinations() {
        return destinations;
    }

    /** Received packets dropped (or accepted with a warning), by reason; reasons never seen are left out. */
    Map<VrrpCodec.DropReason, Long> drops() {
        Map<VrrpCodec.DropReason, Long> out = new EnumMap<>(VrrpCodec.DropReason.class);
        drops.forEach((reason, n) -> {
            if (n.sum() > 0) {
                out.put(reason, n.sum());
            }
        });
        return out;
    }

    long sent() {
        return sent.get();
    }

    long received() {
        return received.get();
    }

    /** Stops reading (waiting for the receiver's thread up to a second) and closes the socket. Idempotent. */
    @Override
    public void close() {
        if (receiver != null) {
            receiver.close();
        }
        socket.close();
    }

    private static void requireInterface(String iface) throws IOException {
        NetworkInterface ni;
        try {
            ni = NetworkInterface.getByName(iface);
        } catch (SocketException e) {
            ni = null;
        }
        if (ni == null) {
            throw new IOException("interface " + iface + " does not exist on this host");
        }
    }

    /** The interface's primary IPv4 address, or its IPv6 link-local address. */
    private static InetAddress primaryAddress(RawIpSocket socket, String iface, RawIpSocket.Family family)
            throws IOException {
        if (family == RawIpSocket.Family.V4) {
            InetAddress a = socket.interfaceAddress();
            if (a == null) {
                throw new IOException("interface " + iface + " has no IPv4 address to send VRRP advertisements from");
            }
            return a;
        }
        NetworkInterface ni = NetworkInterface.getByName(iface);
        if (ni != null) {
            for (InetAddress a : Collections.list(ni.getInetAddresses())) {
                if (a instanceof Inet6Address && a.isLinkLocalAddress()) {
                    return InetAddress.getByAddress(a.getAddress());
                }
            }
        }
        throw new IOException("interface " + iface + " has no IPv6 link-local address to send VRRP advertisements"
                + " from");
    }
}
