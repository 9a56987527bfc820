package io.tandem.cluster;

import io.tandem.core.config.ClusterConfig;
import io.tandem.core.config.HostPort;
import org.jgroups.JChannel;
import org.jgroups.protocols.AUTH;
import org.jgroups.protocols.FD_ALL3;
import org.jgroups.protocols.FD_SOCK2;
import org.jgroups.protocols.FRAG4;
import org.jgroups.protocols.MERGE3;
import org.jgroups.protocols.SYM_ENCRYPT;
import org.jgroups.protocols.TCP;
import org.jgroups.protocols.TCPPING;
import org.jgroups.protocols.UNICAST3;
import org.jgroups.protocols.VERIFY_SUSPECT2;
import org.jgroups.protocols.pbcast.GMS;
import org.jgroups.protocols.pbcast.NAKACK2;
import org.jgroups.protocols.pbcast.STABLE;
import org.jgroups.protocols.pbcast.STATE;
import org.jgroups.stack.Protocol;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.function.Consumer;

/**
 * The JGroups protocol stack of a Tandem cluster, built in code from the {@code cluster} section (no XML, no
 * multicast). Bottom to top: TCP to the static members, failure detection that suspects a dead peer within 2 s,
 * merging after a partition, reliable ordered delivery, membership with authentication, encryption of every
 * payload, fragmentation and state transfer. docs/cluster.md explains each setting.
 */
final class ClusterStack {
    /** Heartbeats every 500 ms; a peer silent for 1.5 s is suspected, and VERIFY_SUSPECT2 confirms in 0.5 s more. */
    static final long HEARTBEAT_MILLIS = 500;
    static final long SUSPECT_AFTER_MILLIS = 1500;
    static final long VERIFY_MILLIS = 500;
    /** How long a joiner waits for the coordinator's answer before it tries again (or starts alone). */
    static final long JOIN_TIMEOUT_MILLIS = 2000;

    /** State-transfer chunk: large, so that a million entries take hundreds of messages, not hundreds of thousands. */
    static final int STATE_CHUNK_BYTES = 1 << 20;

    private ClusterStack() {
    }

    /**
     * A channel for {@code config} whose logical name is {@code node}; {@code refused} hears of every join or merge
     * this member turns away for lack of the secret.
     */
    static JChannel channel(ClusterConfig config, String node, ClusterKeys keys, Consumer<String> refused)
            throws Exception {
        JChannel channel = new JChannel(protocols(config, keys, refused));
        channel.setName(node);
        channel.setDiscardOwnMessages(true);
        return channel;
    }

    static List<Protocol> protocols(ClusterConfig config, ClusterKeys keys, Consumer<String> refused)
            throws UnknownHostException {
        HostPort bind = config.bind();
        InetAddress bindAddress = InetAddress.getByName(bind.host());
        List<InetSocketAddress> members = config.members().stream()
                .map(m -> new InetSocketAddress(m.host(), m.port())).toList();
        TCP tcp = new TCP().setBindAddress(bindAddress).setBindPort(bind.port()).setPortRange(0);
        tcp.setSockConnTimeout(1000);
        // Nagle off: an update batch is a small write, and Nagle held it until the peer's delayed ACK came back
        // (replication p50 11 ms with it, 0.9 ms without). The sender batches on its own (Replicator).
        tcp.tcpNodelay(true);
        SYM_ENCRYPT encrypt = new SYM_ENCRYPT().setSecretKey(keys.encryption());
        encrypt.symAlgorithm("AES/CBC/PKCS5Padding");
        encrypt.symKeylength(256);
        encrypt.symIvLength(16);
        SecretToken token = new SecretToken(keys.authentication(), refused);
        AUTH auth = new AUTH().setAuthToken(token).setAuthCoord(true);
        token.setAuth(auth); // AUTH.setAuthToken does not: the token reads the channel's address through it
        return List.of(
                tcp,
                new TCPPING().setInitialHosts(members).setPortRange(0),
                new MERGE3().setMinInterval(1000).setMaxInterval(3000).setCheckInterval(4000),
                new FD_SOCK2().setBindAddress(bindAddress).setOffset(100).setPortRange(0),
                new FD_ALL3().setTimeout(SUSPECT_AFTER_MILLIS).setInterval(HEARTBEAT_MILLIS),
                new VERIFY_SUSPECT2().setTimeout(VERIFY_MILLIS),
                new NAKACK2(),
                new UNICAST3(),
                new STABLE(),
                auth,
                new GMS().setJoinTimeout(JOIN_TIMEOUT_MILLIS).setMaxJoinAttempts(2).printLocalAddress(false),
                encrypt,
                new FRAG4(),
                new STATE().setValue("buffer_size", STATE_CHUNK_BYTES));
    }
}
