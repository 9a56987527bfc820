package io.tandem.appliance.stats;

import io.tandem.appliance.JsonWriter;
import io.tandem.core.balance.Server;
import io.tandem.core.config.HostPort;
import io.tandem.core.config.VirtualAddress;
import io.tandem.core.health.CheckResult;
import io.tandem.core.health.HealthCheck;
import io.tandem.core.metrics.HttpCounters;
import io.tandem.core.metrics.LatencyHistogram;
import io.tandem.core.metrics.TrafficCounters;
import io.tandem.l4.ServiceRuntime;
import io.tandem.l7.proxy.BackendRuntime;
import io.tandem.l7.proxy.FrontendRuntime;
import io.tandem.vrrp.runtime.PeerAdvert;
import io.tandem.vrrp.runtime.VrrpInstance;

/**
 * The stats page's data, read from a {@link LiveView}: every frontend, backend with its servers, L4 service and
 * VRRP instance, with totals only. The page polls it and derives rates and latency quantiles from the difference
 * between two polls, so nothing here keeps history.
 */
final class StatsJson {
    private StatsJson() {
    }

    static String of(LiveView view, long nowMillis) {
        JsonWriter json = new JsonWriter().beginObject()
                .field("node", view.node())
                .field("time", nowMillis);
        json.name("bounds").beginArray();
        for (double bound : LatencyHistogram.boundsSeconds()) {
            json.value(bound);
        }
        json.endArray();
        json.name("frontends").beginArray();
        for (FrontendRuntime frontend : view.l7().frontends().values()) {
            json.beginObject().field("name", frontend.name())
                    .field("sessions", frontend.counters().activeConnections())
                    .field("sessionsTotal", frontend.counters().totalConnections());
            http(json, frontend.counters());
            json.endObject();
        }
        json.endArray();
        json.name("backends").beginArray();
        for (BackendRuntime backend : view.l7().backends().values()) {
            backend(json, view, backend);
        }
        json.endArray();
        json.name("services").beginArray();
        for (ServiceRuntime service : view.l4().services().values()) {
            service(json, view, service);
        }
        json.endArray();
        json.name("vrrp").beginArray();
        for (VrrpInstance instance : view.vrrp()) {
            vrrp(json, instance, nowMillis);
        }
        json.endArray();
        return json.endObject().toString();
    }

    private static void backend(JsonWriter json, LiveView view, BackendRuntime backend) {
        long sessions = 0;
        for (Server server : backend.servers()) {
            sessions += server.activeConnections();
        }
        json.beginObject().field("name", backend.name())
                .field("balance", backend.config().balance().algorithm().configName())
                .field("sessions", sessions)
                .field("queue", backend.pool().queueLength());
        http(json, backend.counters());
        connects(json, backend.counters());
        json.name("servers").beginArray();
        for (Server server : backend.servers()) {
            json.beginObject();
            server(json, view, server);
            json.field("sessions", server.activeConnections());
            http(json, backend.counters(server));
            connects(json, backend.counters(server));
            json.endObject();
        }
        json.endArray().endObject();
    }

    private static void service(JsonWriter json, LiveView view, ServiceRuntime service) {
        json.beginObject().field("name", service.name())
                .field("protocol", service.config().protocol().name().toLowerCase(java.util.Locale.ROOT))
                .field("queue", service.pool().queueLength());
        traffic(json, service.counters());
        json.name("servers").beginArray();
        for (Server server : service.servers()) {
            json.beginObject();
            server(json, view, server);
            traffic(json, service.counters(server));
            json.endObject();
        }
        json.endArray().endObject();
    }

    /** What a server is now: name, address, state, weight, backup, its checks. */
    private static void server(JsonWriter json, LiveView view, Server server) {
        json.field("name", server.name())
                .field("address", server.config().address().toString())
                .field("state", ServerStates.text(server))
                .field("weight", server.weight())
                .field("backup", server.backup())
                .field("lastChange", server.lastChangeMillis())
                .field("checkFailures", server.checkFailures())
                .field("downs", server.downTransitions());
        HealthCheck check = view.state().healthChecks().check(server);
        CheckResult last = check == null ? null : check.lastResult();
        json.field("checked", check != null);
        if (last != null) {
            json.name("check").beginObject().field("passed", last.passed()).field("detail", last.detail())
                    .field("ms", last.durationMillis()).endObject();
        }
    }

    private static void http(JsonWriter json, HttpCounters c) {
        json.field("requests", c.requests());
        json.name("responses").beginArray();
        for (int i = 0; i < HttpCounters.CLASSES.length; i++) {
            json.value(c.responses(i));
        }
        json.endArray();
        json.field("bytesIn", c.bytesIn()).field("bytesOut", c.bytesOut());
        LatencyHistogram.Snapshot latency = c.totalTime().snapshot();
        json.name("latency").beginArray();
        for (long count : latency.counts()) {
            json.value(count);
        }
        json.endArray();
    }

    private static void connects(JsonWriter json, TrafficCounters c) {
        json.field("connectErrors", c.connectErrors()).field("retries", c.retries());
    }

    private static void traffic(JsonWriter json, TrafficCounters c) {
        json.field("connections", c.activeConnections()).field("connectionsTotal", c.totalConnections())
                .field("bytesIn", c.bytesIn()).field("bytesOut", c.bytesOut());
        connects(json, c);
    }

    private static void vrrp(JsonWriter json, VrrpInstance instance, long nowMillis) {
        json.beginObject().field("name", instance.name())
                .field("interface", instance.config().interfaceName())
                .field("vrid", instance.config().vrid())
                .field("state", instance.state().name())
                .field("priority", instance.priority())
                .field("transitions", instance.transitions());
        json.name("vips").beginArray();
        for (VirtualAddress vip : instance.config().virtualAddresses()) {
            json.value(vip.toString());
        }
        json.endArray();
        PeerAdvert peer = instance.lastAdvert();
        json.name("peer");
        if (peer == null) {
            json.nullValue();
        } else {
            json.beginObject().field("source", HostPort.text(peer.source())).field("priority", peer.priority())
                    .field("ageMs", Math.max(0, nowMillis - peer.receivedAtMillis())).endObject();
        }
        json.endObject();
    }
}
