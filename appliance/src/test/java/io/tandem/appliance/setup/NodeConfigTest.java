package io.tandem.appliance.setup;

import io.tandem.appliance.CheckedConfig;
import io.tandem.core.config.ClusterConfig;
import io.tandem.core.config.ConfigLoader;
import io.tandem.core.config.HostPort;
import io.tandem.core.config.VirtualAddress;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The config the wizard writes passes tandem's check for every kind of answer, and reads back as answered. */
class NodeConfigTest {
    private static final Path CONFIG = Path.of("/etc/tandem/tandem.yaml");
    private static final Path KEY = Path.of("/etc/tandem/cluster.key");

    /** The check as the wizard makes it before the key file exists: the secret from a variable. */
    private static CheckedConfig checked(Answers answers) {
        String yaml = NodeConfig.yaml(answers, CONFIG, KEY, "${SECRET}");
        CheckedConfig checked = CheckedConfig.of(ConfigLoader.parse("tandem.yaml", yaml,
                answers.secret() == null ? Map.of() : Map.of("SECRET", answers.secret().text())));
        assertTrue(checked.ok(), () -> checked.errors() + "\n" + yaml);
        return checked;
    }

    @Test
    void anIpv6PairBindsEveryAddressAndPassesTheCheck() throws Exception {
        Answers answers = new Answers("lb-a", "eth0", VirtualAddress.parse("2001:db8::11/64"), null, Role.FIRST,
                List.of(VirtualAddress.parse("2001:db8::100/64")), "eth0", 7, 150,
                InetAddress.getByName("2001:db8::12"),
                ClusterSecret.generate(new java.security.SecureRandom()), "app",
                List.of(HostPort.parse("[2001:db8::21]:8080")), 443, "maglev", "/health?full=1");
        CheckedConfig checked = checked(answers);
        String yaml = NodeConfig.yaml(answers, CONFIG, KEY);
        assertTrue(yaml.contains("bind: \"[::]:443\""), yaml);
        assertTrue(yaml.contains("virtual-addresses: [\"2001:db8::100/64\"]"), yaml);
        assertEquals(7, checked.config().vrrp().instances().get("VI_1").vrid());
    }

    private static Answers pairNode(Role role, String own, String peer, ClusterSecret secret) throws Exception {
        return new Answers(role == Role.FIRST ? "lb-a" : "lb-b", "eth1", VirtualAddress.parse(own + "/24"), null,
                role, List.of(VirtualAddress.parse("198.18.0.100/24")), "eth1", 51, role.defaultPriority(),
                InetAddress.getByName(peer), secret, "app", List.of(HostPort.parse("198.18.1.1:80")), 80,
                "roundrobin", "tcp");
    }

    @Test
    void bothNodesOfAPairGetOneClusterWithTheSameMembersAndSecret() throws Exception {
        ClusterSecret secret = ClusterSecret.generate(new java.security.SecureRandom());
        ClusterConfig first = checked(pairNode(Role.FIRST, "198.18.0.11", "198.18.0.12", secret)).config().cluster();
        ClusterConfig second = checked(pairNode(Role.SECOND, "198.18.0.12", "198.18.0.11", secret)).config()
                .cluster();
        assertEquals(HostPort.parse("198.18.0.11:7800"), first.bind());
        assertEquals(HostPort.parse("198.18.0.12:7800"), second.bind());
        assertEquals(List.of(HostPort.parse("198.18.0.11:7800"), HostPort.parse("198.18.0.12:7800")), first.members());
        assertEquals(first.members(), second.members());
        assertEquals(first.name(), second.name());
        assertEquals(secret.text(), first.secret());
        assertEquals(secret.text(), second.secret());
        String written = NodeConfig.yaml(pairNode(Role.FIRST, "198.18.0.11", "198.18.0.12", secret), CONFIG, KEY);
        assertTrue(written.contains("  secret: \"file:/etc/tandem/cluster.key\"\n"), written);
    }

    @Test
    void namesThatYamlWouldReadAsOtherTypesAreQuoted() throws Exception {
        Answers answers = new Answers("yes", "on", null, null, Role.SECOND,
                List.of(VirtualAddress.parse("198.18.0.100/24")), "on", 51, 100, InetAddress.getByName("198.18.0.11"),
                ClusterSecret.generate(new java.security.SecureRandom()), "null",
                List.of(HostPort.parse("198.18.1.1:80")), 80, "roundrobin", "none");
        CheckedConfig checked = checked(answers);
        assertEquals("yes", checked.config().global().name());
        assertEquals("on", checked.config().vrrp().instances().get("VI_1").interfaceName());
        assertTrue(checked.config().l7().backends().containsKey("null"), checked.config().l7().backends()::toString);
    }

    @Test
    void aFrontendOnTheStatsPortMovesTheStatsEndpointOneUp() throws Exception {
        Answers answers = new Answers("lb", "eth0", null, null, Role.STANDALONE, List.of(), null, 0, 0, null, null,
                "app", List.of(HostPort.parse("198.18.1.1:80")), 8404, "roundrobin", "tcp");
        assertEquals(8405, checked(answers).config().admin().stats().bind().address().port());
    }

    @Test
    void sameAnswersGiveTheSameText() throws Exception {
        Answers answers = new Answers("lb", "eth0", null, null, Role.STANDALONE, List.of(), null, 0, 0, null, null,
                "app", List.of(HostPort.parse("198.18.1.1:80")), 80, "roundrobin", "tcp");
        assertEquals(NodeConfig.yaml(answers, CONFIG, KEY), NodeConfig.yaml(answers, CONFIG, KEY));
        checked(answers);
    }
}
