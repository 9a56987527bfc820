package io.tandem.appliance.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import io.tandem.appliance.admin.AdminClient;
import io.tandem.vrrp.lab.Lab;
import io.tandem.vrrp.lab.Lab.Child;
import io.tandem.vrrp.lab.Lab.Node;

/**
 * The network of the cluster labs: Tandem nodes a and b, host c with the two backends (python http.server s1 on
 * :9001, s2 on :9002) and {@link #CLIENTS} client addresses 198.18.1.1-200 (a and b route them through c), all on
 * the lab's bridge; and a separate sync link {@link #SYNC} straight from a (198.19.0.11) to b (198.19.0.12) that
 * carries the cluster alone, so the test can cut the nodes apart while the clients still reach both. Each daemon
 * runs an L7 frontend {@code web} on :8080 that counts and rate-limits each source ({@link #LIMIT} requests a
 * minute: a slow test stays within one period) in front of backend {@code app}, which sticks on the source; its
 * runtime API is on a socket in the lab. A test class registers it ({@code @RegisterExtension}): the lab is built
 * before its tests and removed after them, the daemons a test started are stopped after it.
 */
final class ClusterLab implements BeforeAllCallback, AfterEachCallback, AfterAllCallback {
    static final int CLIENTS = 200;
    static final int LIMIT = 20;
    static final String SYNC = "eth1";
    static final String VIP_2 = "198.18.0.101";
    static final String CLUSTER = "lab-pair";
    private static final Pattern MARK = Pattern.compile("\n@@(\\d{3})\n");
    /** Transfers per curl process. */
    private static final int CURL_BATCH = 25;
    /** How long one request may take: generous, for a busy CI box. */
    private static final Duration CURL_PATIENCE = Duration.ofSeconds(20);

    private Lab lab;
    private Path key;
    private final List<Child> backends = new ArrayList<>();
    private final List<Child> daemons = new ArrayList<>();
    private boolean cut;

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        lab = Lab.create(3);
        key = lab.dir().resolve("cluster.key");
        build();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        stopDaemons();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (lab != null) {
            stopDaemons();
            backends.forEach(Child::close);
            lab.close();
        }
    }

    Lab lab() {
        return lab;
    }

    private void build() throws IOException {
        Node c = lab.c();
        StringBuilder batch = new StringBuilder();
        for (int i = 0; i < CLIENTS; i++) {
            batch.append("addr add ").append(client(i)).append("/24 dev ").append(Lab.IFACE).append('\n');
        }
        Path file = lab.fresh("client-addresses", ".ip");
        Files.writeString(file, batch);
        lab.ipOk(c.ns(), "-batch", file.toString());
        for (Node node : List.of(lab.a(), lab.b())) {
            lab.ipOk(node.ns(), "route", "add", "198.18.1.0/24", "via", c.ip());
        }
        lab.wire(lab.a(), syncIp(lab.a()), lab.b(), syncIp(lab.b()), SYNC);
        Files.writeString(key, "bGFiLXBhaXItc2VjcmV0LW9mLTMyLWJ5dGVzLWxvbmc=\n");
        for (String server : List.of("s1", "s2")) {
            Path root = Files.createDirectories(lab.dir().resolve("www-" + server));
            Files.writeString(root.resolve("index.html"), server);
            backends.add(lab.start(List.of("ip", "netns", "exec", c.ns(), "/usr/bin/python3", "-m", "http.server",
                    server.equals("s1") ? "9001" : "9002", "--bind", c.ip(), "--directory", root.toString()),
                    "backend-" + server));
        }
    }

    /** Client {@code i} (0 to {@link #CLIENTS} - 1) on host c. */
    static String client(int i) {
        return "198.18.1." + (1 + i);
    }

    /** The node's address on the sync link: its own with 198.19 for 198.18. */
    static String syncIp(Node node) {
        return node.ip().replace("198.18.0.", "198.19.0.");
    }

    /** One VRRP instance VI_1 for {@link Lab#VIP}, preempting, at {@code priority}. */
    static String oneVip(int priority) {
        return "vrrp:\n  instances:\n" + instance("VI_1", 51, priority, Lab.VIP);
    }

    /** Active-active: VI_1 for {@link Lab#VIP} at {@code p1}, VI_2 for {@link #VIP_2} at {@code p2}. */
    static String twoVips(int p1, int p2) {
        return "vrrp:\n  instances:\n" + instance("VI_1", 51, p1, Lab.VIP) + instance("VI_2", 52, p2, VIP_2);
    }

    private static String instance(String name, int vrid, int priority, String vip) {
        return """
                    %s:
                      interface: eth0
                      vrid: %d
                      priority: %d
                      advert-interval: 100ms
                      preempt: true
                      virtual-addresses: [%s/24]
                """.formatted(name, vrid, priority, vip);
    }

    private String config(Node node, String vrrp) {
        return """
                global: { name: %1$s }
                l7:
                  frontends:
                    web:
                      bind: "*:8080"
                      stick-table: { type: ip, size: 10k, expire: 5m, store: [ "http_req_rate(1m)", "http_req_cnt" ] }
                      http-request:
                        - track-sc0 src
                        - deny deny_status 429 if { sc_http_req_rate(0) gt %3$d }
                      default-backend: app
                  backends:
                    app:
                      balance: roundrobin
                      stick-table: { type: ip, size: 10k, expire: 5m }
                      stick-on: src
                      servers:
                        s1: 198.18.0.13:9001
                        s2: 198.18.0.13:9002
                cluster:
                  name: %6$s
                  bind: %4$s:7800
                  members: [198.19.0.11:7800, 198.19.0.12:7800]
                  secret: file:%5$s
                admin: { socket: %7$s, stats: { bind: "%2$s:8404" } }
                """.formatted(node.name(), node.ip(), LIMIT, syncIp(node), key, CLUSTER, socket(node)) + vrrp;
    }

    /** Starts {@code tandem run} on {@code node} with the lab's config and {@code vrrp} (a section, or ""). */
    Child start(Node node, String vrrp) {
        Child d = VrrpPairLabTest.startTandem(lab, node, config(node, vrrp));
        daemons.add(d);
        return d;
    }

    /** Stops the daemons started so far and takes off the VIPs a killed one left, for the next test. */
    void stopDaemons() {
        daemons.forEach(Child::close);
        daemons.clear();
        lab.dropAddress(Lab.VIP);
        lab.dropAddress(VIP_2);
        if (cut) {
            healSyncLink();
        }
    }

    /** Cuts the sync link (a's end down): the nodes lose each other, the clients still reach both. */
    void cutSyncLink() {
        lab.cutWire(lab.a(), SYNC);
        cut = true;
    }

    void healSyncLink() {
        lab.healWire(lab.a(), SYNC);
        cut = false;
    }

    private Path socket(Node node) {
        return lab.dir().resolve(node.name() + ".sock");
    }

    /** A runtime-API command on {@code node}'s daemon, its text reply. */
    String ctl(Node node, String command) {
        try {
            return AdminClient.send(socket(node), command);
        } catch (IOException e) {
            throw new UncheckedIOException("runtime API of " + node + ": " + command, e);
        }
    }

    /**
     * Stick table {@code name} on {@code node}, entry for entry in key order, without what differs between two
     * faithful copies read a moment apart: the time left to expiry and the sliding rates.
     */
    String table(Node node, String name) {
        return ctl(node, "show table " + name).lines().filter(l -> l.startsWith("key="))
                .map(l -> l.replaceAll(" exp=\\d+", "").replaceAll(" \\w+_rate\\(\\d+\\)=\\d+", ""))
                .sorted().collect(Collectors.joining("\n"));
    }

    /** What {@code from} gets at {@code target}:8080: the body (the server's name) for a 200, else the status. */
    String get(String from, String target) {
        return get(List.of(from), target).get(from);
    }

    /** {@link #get(String, String)} for each source, by source, in order: one curl for every few of them. */
    Map<String, String> get(List<String> sources, String target) {
        Map<String, String> seen = new LinkedHashMap<>();
        for (int start = 0; start < sources.size(); start += CURL_BATCH) {
            List<String> batch = sources.subList(start, Math.min(sources.size(), start + CURL_BATCH));
            List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", lab.c().ns(), "curl"));
            for (String from : batch) {
                if (!from.equals(batch.get(0))) {
                    command.add("--next");
                }
                command.addAll(List.of("-s", "--interface", from, "--max-time",
                        String.valueOf(CURL_PATIENCE.toSeconds()), "-w", "\n@@%{http_code}\n",
                        "http://" + target + ":8080/"));
            }
            // Started, not exec'd: a batch on a busy CI box may take longer than exec's 10 s.
            Child curl = lab.start(command, "curl");
            try {
                curl.awaitExit(CURL_PATIENCE.multipliedBy(batch.size()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for curl", e);
            }
            String out = curl.output();
            Matcher m = MARK.matcher(out);
            int bodyStart = 0;
            for (String from : batch) {
                if (!m.find()) {
                    throw new AssertionError("curl answered fewer transfers than " + batch.size() + ":\n" + out);
                }
                String status = m.group(1);
                seen.put(from, status.equals("200") ? out.substring(bodyStart, m.start()).trim() : status);
                bodyStart = m.end();
            }
        }
        return seen;
    }

    /** {@link #get(List, String)} for clients {@code from} to {@code to} - 1. */
    Map<String, String> clients(int from, int to, String target) {
        List<String> sources = new ArrayList<>();
        for (int i = from; i < to; i++) {
            sources.add(client(i));
        }
        return get(sources, target);
    }

    /** Asserts every answer in {@code answers} is a server's name (a 200), not a status. */
    static void assertServed(Map<String, String> answers, String where) {
        Map<String, String> failed = answers.entrySet().stream().filter(e -> !e.getValue().matches("s[12]"))
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        assertEquals(Map.of(), failed, "clients not served " + where);
    }
}
