package io.tandem.appliance;

import io.tandem.core.testing.Await;
import io.tandem.core.net.EventLoops;
import io.tandem.core.testing.TestPorts;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The stats page in a real browser, under load: its charts fill with data, a DOWN server shows in red at the top. */
class StatsPageChromiumTest {
    private static final Pattern CHART = Pattern.compile("<svg class=\"chart\"[^>]*data-points=\"(\\d+)\"");
    /** The load is bounded in requests as in time, and stops with the test. */
    private static final long MAX_REQUESTS = 200_000;

    @Test
    void theStatsPageDrawsLiveChartsUnderLoadAndPutsADownServerAtTheTop() throws Exception {
        Chromium.require();
        int statsPort = TestPorts.closedPort();
        int webPort = TestPorts.closedPort();
        int deadPort = TestPorts.closedPort();
        AtomicBoolean loading = new AtomicBoolean(true);
        AtomicLong sent = new AtomicLong();
        // Netty backends that answer at once, so the load is a few thousand requests a second.
        try (EventLoops backendLoops = EventLoops.start(1);
             DemoBackend app1 = DemoBackend.start(backendLoops, "app-1");
             DemoBackend app2 = DemoBackend.start(backendLoops, "app-2");
             StatsEndpointTest.Running daemon = StatsEndpointTest.start(StatsEndpointTest.config("""
                     global: { workers: 1, log: none, name: lb-a }
                     admin: { stats: { bind: "127.0.0.1:%d" } }
                     l7:
                       frontends:
                         web: { bind: "127.0.0.1:%d", default-backend: app }
                       backends:
                         app:
                           balance: roundrobin
                           check: { http: GET /, inter: 500ms, fall: 3, rise: 2 }
                           servers: { app-1: "%s", app-2: "%s", app-3: "127.0.0.1:%d" }
                     """.formatted(statsPort, webPort, app1.address(), app2.address(), deadPort)))) {
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            List<Thread> load = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                Thread t = new Thread(() -> {
                    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + webPort + "/"))
                            .timeout(Duration.ofSeconds(10)).build();
                    while (loading.get() && sent.incrementAndGet() < MAX_REQUESTS) {
                        try {
                            client.send(request, HttpResponse.BodyHandlers.discarding());
                        } catch (Exception e) {
                            // Counted like any other outcome; the page shows what happened.
                        }
                    }
                }, "stats-page-load-" + i);
                t.setDaemon(true);
                t.start();
                load.add(t);
            }
            try {
                String page = "http://127.0.0.1:" + statsPort + "/stats";
                Await.until("app-3 (nothing listens) checked DOWN", () -> json(client, statsPort)
                        .contains("\"name\":\"app-3\",\"address\":\"127.0.0.1:" + deadPort + "\",\"state\":\"DOWN\""));
                String dom = Chromium.dumpDom(page, 6000);
                List<Integer> points = new ArrayList<>();
                Matcher m = CHART.matcher(dom);
                while (m.find()) {
                    points.add(Integer.parseInt(m.group(1)));
                }
                assertTrue(points.size() >= 4, "a rate and a latency chart for the frontend and the backend: "
                        + points + "\n" + dom);
                assertTrue(points.stream().allMatch(n -> n >= 2), "every chart has data points after several polls: "
                        + points + "\n" + dom);
                assertTrue(dom.contains("data-server=\"app/app-3\" data-state=\"DOWN\""), dom);
                assertTrue(dom.contains("data-server=\"app/app-1\""), "a row per server: " + dom);
                assertTrue(Pattern.compile("<div id=\"alerts\" class=\"bad\" data-problems=\"[1-9]").matcher(dom)
                        .find() || dom.contains("id=\"alerts\" class=\"bad\""), "the alert banner is red: " + dom);
                assertTrue(dom.contains("DOWN server app/app-3"), dom);
                assertTrue(dom.contains("node lb-a"), dom);
                Path png = Path.of("target", "stats-page.png");
                Files.createDirectories(png.getParent());
                // A longer budget than the DOM's, so the charts in the picture (docs/stats-page.png) show history.
                Chromium.screenshot(page, 20_000, png, 1280, 900);
            } finally {
                loading.set(false);
                for (Thread t : load) {
                    t.join(15_000);
                }
            }
        }
    }

    private static String json(HttpClient client, int statsPort) {
        try {
            return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + statsPort + "/stats;json"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
        } catch (Exception e) {
            return "";
        }
    }
}
