package io.tandem.core.health;

import io.tandem.core.config.CheckConfig;
import io.tandem.core.config.SourcePos;
import io.tandem.core.net.EventLoops;
import io.tandem.core.testing.TestLineServer;
import io.tandem.core.testing.TestServers;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * A fresh process's first checks, for {@code HealthChecksTest}: two line servers answering {@code +PONG} and one that
 * never answers, checked with send/expect every 100 ms; prints each transition until every server has a result.
 */
public final class FirstCheckMain {
    private FirstCheckMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        CheckConfig check = new CheckConfig(CheckConfig.Kind.TCP, null, null, null, "PING\r\n", 0, "+PONG",
                Duration.ofMillis(100), 1, 1, new SourcePos("test", 1, 1));
        try (EventLoops loops = EventLoops.start(2);
             TestLineServer a = TestLineServer.start(line -> "+PONG");
             TestLineServer b = TestLineServer.start(line -> "+PONG");
             TestLineServer silent = TestLineServer.start(line -> null);
             HealthChecks checks = new HealthChecks()) {
            // The servers are warm, as a real one is: their own first reply (threads, classes) is not the checker's.
            for (TestLineServer server : List.of(a, b)) {
                warm(server.port());
            }
            checks.addListener((server, up, reason) ->
                    System.out.println((up ? "UP " : "DOWN ") + server.qualifiedName() + ": " + reason));
            List<CheckTarget> targets = List.of(
                    new CheckTarget(TestServers.atPort("svc", "a", a.port()), check, Duration.ofSeconds(1)),
                    new CheckTarget(TestServers.atPort("svc", "b", b.port()), check, Duration.ofSeconds(1)),
                    new CheckTarget(TestServers.atPort("svc", "silent", silent.port()), check, Duration.ofSeconds(1)));
            checks.start(loops, targets);
            for (CheckTarget target : targets) {
                HealthCheck running = checks.check(target.server());
                while (running.lastResult() == null) {
                    Thread.sleep(5);
                }
            }
            // Closing the loops lets a transition that the last result set off finish printing.
        }
    }

    private static void warm(int port) {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII)).readLine();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
