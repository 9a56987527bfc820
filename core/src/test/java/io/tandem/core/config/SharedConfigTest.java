package io.tandem.core.config;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SharedConfigTest {
    private static final String A = """
            # lb-a
            global:
              name: lb-a
            # the traffic
            l7:
              backends:
                app:
                  # two servers
                  servers: { app-01: 127.0.0.1:9001 }
            cluster:
              secret: a-secret-that-stays-on-a
            l4:
              services: {}
            """;
    private static final String B = """
            # lb-b's file
            global: { name: lb-b }
            admin:
              socket: /run/b.sock
            l7:
              backends: { old: { servers: { x: 127.0.0.1:1 } } }
            vrrp:
              instances: {}
            """;

    @Test
    void theSentTextHoldsOnlyTheSharedSectionsAtTheirLinesOfTheFile() throws Exception {
        String sent = SharedConfig.of("a.yaml", A).sentText();
        List<String> lines = sent.lines().toList();
        assertEquals("l7:", lines.get(4));
        assertEquals("      # two servers", lines.get(7));
        assertEquals("l4:", lines.get(11));
        assertTrue(!sent.contains("secret") && !sent.contains("lb-a"), sent);
    }

    @Test
    void aMergeKeepsTheLocalSectionsAndTheirCommentsAndTakesThePeersSharedOnes() throws Exception {
        SharedConfig.Merged merged = SharedConfig.of("b.yaml", B)
                .merge(SharedConfig.of("a.yaml", SharedConfig.of("a.yaml", A).sentText()));
        assertEquals("""
                # lb-b's file
                global: { name: lb-b }
                admin:
                  socket: /run/b.sock

                # the traffic
                l7:
                  backends:
                    app:
                      # two servers
                      servers: { app-01: 127.0.0.1:9001 }

                l4:
                  services: {}
                vrrp:
                  instances: {}
                """, merged.text());
        assertEquals(SharedConfig.of("a.yaml", A).hash(), SharedConfig.of("b.yaml", merged.text()).hash());
        LoadResult loaded = ConfigLoader.parse("b.yaml", merged.text(), java.util.Map.of());
        assertEquals("lb-b", loaded.config().global().name());
        assertEquals(List.of("app"), List.copyOf(loaded.config().l7().backends().keySet()));
    }

    @Test
    void anErrorIsPlacedOnTheLineItCameFrom() throws Exception {
        SharedConfig.Merged merged = SharedConfig.of("b.yaml", B)
                .merge(SharedConfig.of("a.yaml", SharedConfig.of("a.yaml", A).sentText()));
        List<ConfigError> placed = merged.placed(List.of(new ConfigError(new SourcePos("b.yaml", 11, 7), "shared"),
                new ConfigError(new SourcePos("b.yaml", 16, 3), "local")), "lb-b:b.yaml");
        assertEquals("a.yaml:9:7: shared", placed.get(0).toString());
        assertEquals("lb-b:b.yaml:8:3: local", placed.get(1).toString());
    }

    @Test
    void theHashFollowsTheValuesNotTheCommentsOrTheLayout() throws Exception {
        String hash = SharedConfig.of("a", "l7: { backends: { app: { servers: { s: 127.0.0.1:1 } } } }\n").hash();
        assertEquals(hash, SharedConfig.of("a", """
                # reformatted
                global: { name: other }
                l7:
                  backends:
                    app:
                      servers:
                        s: 127.0.0.1:1   # same server
                """).hash());
        assertNotEquals(hash, SharedConfig.of("a", "l7: { backends: { app: { servers: { s: 127.0.0.1:2 } } } }\n")
                .hash());
        assertEquals(12, hash.length());
    }

    @Test
    void aTopLevelFlowMappingCannotBeShared() {
        ConfigException e = assertThrows(ConfigException.class, () -> SharedConfig.of("f.yaml", "{ l7: {} }\n"));
        assertTrue(e.errors().get(0).toString().startsWith("f.yaml:1:1: to share the config"), e.getMessage());
        ConfigException syntax = assertThrows(ConfigException.class, () -> SharedConfig.of("s.yaml", "l7: [\n"));
        assertTrue(syntax.errors().get(0).message().startsWith("YAML syntax error"), syntax.getMessage());
    }
}
