package io.tandem.core.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.tandem.core.config.ConfigLoaderTest.errors;
import static io.tandem.core.config.ConfigLoaderTest.parse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code ${NAME}}, {@code file:/path}, inheritance of defaults, and value positions. */
class ConfigExpansionTest {
    private static final String ONE_BACKEND = """
            l7:
              frontends:
                web:
                  bind: 127.0.0.1:8080
                  default-backend: app
              backends:
                app:
                  servers: { a: 10.0.0.1:80 }
            """;

    @TempDir
    Path dir;

    @Test
    void environmentVariablesExpandInAnyValue() {
        LoadResult result = parse("global:\n  name: ${NODE}-lb\n  maxconn: ${CONNS}\n",
                Map.of("NODE", "east", "CONNS", "1000"));
        assertEquals(List.of(), errors(result));
        assertEquals("east-lb", result.config().global().name());
        assertEquals(1000, result.config().global().maxconn());
    }

    @Test
    void unsetEnvironmentVariableIsNamedAtItsColumn() {
        LoadResult result = parse("global:\n  name: node-${NODE}\n  maxconn: ${CONNS}\n", Map.of());
        assertEquals(List.of("2:14: environment variable 'NODE' is not set",
                "3:12: environment variable 'CONNS' is not set"), errors(result));
        assertEquals(4096, result.config().global().maxconn());
    }

    @Test
    void fileValueIsReplacedByTheFileWithoutItsTrailingNewline() throws IOException {
        Path secret = Files.writeString(dir.resolve("name"), "from-file\n");
        LoadResult result = parse("global:\n  name: file:" + secret + "\n");
        assertEquals(List.of(), errors(result));
        assertEquals("from-file", result.config().global().name());
    }

    @Test
    void fileValueCombinesWithEnvironment() throws IOException {
        Files.writeString(dir.resolve("name"), "combined");
        LoadResult result = parse("global:\n  name: file:${DIR}/name\n", Map.of("DIR", dir.toString()));
        assertEquals("combined", result.config().global().name());
    }

    @Test
    void unreadableFileValueIsAnError() {
        assertEquals(List.of("2:9: cannot read '/no/such/secret' for 'name' (no such file)"),
                errors(parse("global:\n  name: file:/no/such/secret\n")));
    }

    @Test
    void endlessFileValueIsRefusedAtItsLimit() {
        assertEquals(List.of("2:9: cannot read '/dev/zero' for 'name': it is larger than the limit of 1 MiB"
                + " (1048576 bytes)"), errors(parse("global:\n  name: file:/dev/zero\n")));
    }

    @Test
    void oversizedAndEndlessConfigsAreRefusedBeforeParsing() throws IOException {
        Path big = dir.resolve("big.yaml");
        try (java.io.RandomAccessFile file = new java.io.RandomAccessFile(big.toFile(), "rw")) {
            file.setLength(50L << 20);
        }
        Path justOver = dir.resolve("over.yaml");
        Files.writeString(justOver, "global:\n  name: " + "a".repeat(SourceText.MAX_BYTES) + "\n");
        for (Path input : List.of(Path.of("/dev/zero"), big, justOver)) {
            LoadResult result = ConfigLoader.load(input);
            assertNull(result.config());
            assertEquals(List.of(input + ":1:1: config file is larger than the limit of 1 MiB (1048576 bytes)"),
                    result.errors().stream().map(ConfigError::toString).toList());
        }
    }

    @Test
    void bytesThatAreNotUtf8AreNamedAtTheirLineAndColumn() throws IOException {
        Path file = dir.resolve("latin1.yaml");
        Files.write(file, "global:\n  name: caf\u00e9\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        assertEquals(List.of(file + ":2:12: config file is not UTF-8 (byte 0xe9); save the file as UTF-8"),
                ConfigLoader.load(file).errors().stream().map(ConfigError::toString).toList());
        Files.write(file, "\uFEFFglobal:\n  name: caf\u00e9\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertEquals("caf\u00e9", ConfigLoader.load(file).config().global().name());
    }

    @Test
    void fileLogIsADestinationNotAFileToRead() {
        LoadResult result = parse("global:\n  log: file:/var/log/tandem/access.log\n");
        assertEquals(List.of(), errors(result));
        assertEquals("file:/var/log/tandem/access.log", result.config().global().log());
    }

    @Test
    void unreadableConfigFileIsAnErrorNotAnException() {
        LoadResult result = ConfigLoader.load(dir.resolve("missing.yaml"));
        assertNull(result.config());
        assertEquals(dir.resolve("missing.yaml") + ":1:1: cannot read config (no such file)",
                result.errors().get(0).toString());
    }

    @Test
    void loadReadsTheFileAndNamesItInErrors() throws IOException {
        Path file = Files.writeString(dir.resolve("tandem.yaml"), "global:\n  workrs: 2\n");
        LoadResult result = ConfigLoader.load(file, Map.of());
        assertEquals(file + ":2:3: unknown key 'workrs' in global; did you mean 'workers'?",
                result.errors().get(0).toString());
        assertEquals(file.toString(), result.config().source());
    }

    @Test
    void timeoutsInheritFromDefaultsThenBuiltIns() {
        LoadResult result = parse("""
                defaults:
                  timeout: { connect: 1s, client: 2m }
                """ + ONE_BACKEND.replace("      default-backend: app\n",
                "      default-backend: app\n      timeout: { client: 5m }\n")
                .replace("      servers:", "      timeout: { connect: 300 }\n      servers:"));
        assertEquals(List.of(), errors(result));
        Timeouts defaults = result.config().defaults().timeout();
        assertEquals(Duration.ofSeconds(1), defaults.connect());
        assertEquals(Duration.ofMinutes(2), defaults.client());
        assertEquals(Timeouts.BUILT_IN.server(), defaults.server());

        Timeouts front = result.config().l7().frontends().get("web").timeout();
        assertEquals(Duration.ofMinutes(5), front.client());
        assertEquals(Duration.ofSeconds(1), front.connect());

        Timeouts back = result.config().l7().backends().get("app").timeout();
        assertEquals(Duration.ofMillis(300), back.connect());
        assertEquals(Duration.ofMinutes(2), back.client());
        assertEquals(Timeouts.BUILT_IN.tunnel(), back.tunnel());
    }

    @Test
    void frontendForwardforOverridesDefaultsAndRetriesInherit() {
        LoadResult result = parse("defaults:\n  forwardfor: true\n  retries: 5\n" + ONE_BACKEND
                .replace("      default-backend: app\n", "      default-backend: app\n      forwardfor: false\n"));
        assertEquals(List.of(), errors(result));
        assertEquals(new ForwardFor(true, List.of()), result.config().defaults().forwardfor());
        assertEquals(ForwardFor.DISABLED, result.config().l7().frontends().get("web").forwardfor());
        assertEquals(5, result.config().l7().backends().get("app").retries());
    }

    @Test
    void quotedValuePositionIsItsFirstCharacter() {
        LoadResult result = parse(ONE_BACKEND.replace("      default-backend: app\n",
                "      default-backend: app\n      acl: { a: \"path_beg /x\", b: 'src 10.0.0.0/8' }\n"));
        FrontendConfig web = result.config().l7().frontends().get("web");
        assertEquals(new SourcePos("t.yaml", 6, 18), web.acls().get("a").pos());
        assertEquals(new SourcePos("t.yaml", 6, 36), web.acls().get("b").pos());
        assertEquals(new SourcePos("t.yaml", 6, 40), web.acls().get("b").pos().plusColumns(4));
    }

    @Test
    void hdrBalanceKeepsItsHeaderAndConsistentHashing() {
        LoadResult result = parse(ONE_BACKEND.replace("      servers:",
                "      balance: hdr(X-User)\n      hash-type: consistent\n      servers:"));
        assertEquals(List.of(), errors(result));
        assertEquals(new BalanceConfig(BalanceConfig.Algorithm.HDR, "X-User", true),
                result.config().l7().backends().get("app").balance());
    }

    @Test
    void tcpCheckAcceptsPlainOrStringExpectation() {
        LoadResult result = parse(ONE_BACKEND.replace("      servers:",
                "      check: { tcp: true, send: PING, expect: string +PONG, inter: 500ms }\n      servers:"));
        assertEquals(List.of(), errors(result));
        CheckConfig check = result.config().l7().backends().get("app").check();
        assertEquals(CheckConfig.Kind.TCP, check.kind());
        assertEquals("PING", check.send());
        assertEquals("+PONG", check.expectString());
        assertEquals(Duration.ofMillis(500), check.inter());
    }

    @Test
    void serverMappingReadsEveryField() {
        LoadResult result = parse(ONE_BACKEND.replace("{ a: 10.0.0.1:80 }",
                "{ a: { address: '[::1]:8080', weight: 0, backup: true, maxconn: 100, cookie: c1 } }"));
        assertEquals(List.of(), errors(result));
        ServerConfig server = result.config().l7().backends().get("app").servers().get(0);
        assertEquals(new ServerConfig("a", new HostPort("::1", 8080), 0, true, 100, "c1",
                new SourcePos("t.yaml", 8, 18)), server);
        assertEquals("[::1]:8080", server.address().toString());
    }

    @Test
    void laterStageErrorsMergeInPositionOrder() {
        LoadResult result = parse("global:\n  workers: x\n  maxconn: y\n");
        LoadResult merged = result.withErrors(List.of(new ConfigError(new SourcePos("t.yaml", 2, 20), "later")));
        assertEquals(List.of("2:12: expected an integer in 0..256 for 'workers', got 'x'", "2:20: later",
                "3:12: expected an integer in 1..10000000 for 'maxconn', got 'y'"), errors(merged));
        assertTrue(merged.config() == result.config());
    }
}
