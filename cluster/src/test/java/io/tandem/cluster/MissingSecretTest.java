package io.tandem.cluster;

import io.tandem.core.config.ClusterConfig;
import io.tandem.core.config.ConfigVersion;
import io.tandem.core.config.HostPort;
import io.tandem.core.stick.StickKeyType;
import io.tandem.core.stick.StickSchema;
import io.tandem.core.stick.StickTable;
import io.tandem.core.testing.Await;
import io.tandem.core.testing.TestPorts;
import org.jgroups.JChannel;
import org.jgroups.protocols.AUTH;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A member that holds no secret at all (the cluster's stack without its AUTH token, keys from a guess) cannot join
 * a Tandem node: the coordinator turns its join away, and it is never in the node's view.
 */
class MissingSecretTest {
    private static final String SECRET = "c2VjcmV0LWZvci10aGUtdGVzdC1wYWlyLTMyYnl0ZXM=";

    @Test
    void aMemberWithoutTheSecretsTokenIsTurnedAwayAtJoin() throws Exception {
        HostPort a = new HostPort("127.0.0.1", TestPorts.closedPort());
        HostPort outsider = new HostPort("127.0.0.1", TestPorts.closedPort());
        ClusterConfig config = new ClusterConfig("test-pair", a, List.of(a, outsider), SECRET,
                EnumSet.of(ClusterConfig.Share.STICK_TABLES), null);
        StickTable table = new StickTable("web", StickKeyType.IP, 100, Duration.ofMinutes(5), StickSchema.of(Map.of()),
                () -> System.nanoTime() / 1_000_000);
        table.stick("198.18.3.1", "app-01");
        try (ClusterNode node = ClusterNode.start(config, "lb-a", () -> Map.of("l7 frontend/web", table),
                new ConfigVersion("-", 0))) {
            Await.until("a ready", node::ready);
            ClusterConfig theirs = new ClusterConfig("test-pair", outsider, List.of(a, outsider),
                    "a-guess-of-enough-length", EnumSet.of(ClusterConfig.Share.STICK_TABLES), null);
            ClusterKeys guessed = ClusterKeys.derive(theirs.secret(), theirs.name());
            try (JChannel channel = new JChannel(ClusterStack.protocols(theirs, guessed, who -> { })
                    .stream().filter(p -> !(p instanceof AUTH)).toList())) {
                channel.setName("intruder");
                SecurityException refused = assertThrows(SecurityException.class, () -> channel.connect("test-pair"),
                        "the join is refused, not timed out into a cluster of its own");
                // The coordinator's rejection (AUTH's wording), not a failure of the joiner's own.
                assertEquals("no AUTH header found in message", refused.getMessage());
            }
            assertEquals(List.of("lb-a"), node.status().members());
        }
    }
}
