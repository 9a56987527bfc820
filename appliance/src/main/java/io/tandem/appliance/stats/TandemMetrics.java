package io.tandem.appliance.stats;

import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.tandem.core.balance.Server;
import io.tandem.core.metrics.HttpCounters;
import io.tandem.core.metrics.TrafficCounters;
import io.tandem.l4.L4Counters;
import io.tandem.l4.ServiceRuntime;
import io.tandem.l7.proxy.BackendRuntime;
import io.tandem.l7.proxy.FrontendRuntime;
import io.tandem.cluster.ClusterStatus;
import io.tandem.vrrp.VrrpCodec;
import io.tandem.vrrp.VrrpState;
import io.tandem.vrrp.runtime.PeerAdvert;
import io.tandem.vrrp.runtime.VrrpInstance;

import java.util.Map;

/**
 * The metrics Tandem exposes, read from a {@link LiveView} at scrape time: every family, its labels and its help,
 * named after HAProxy's own Prometheus exporter ({@code haproxy_frontend_http_requests_total} is
 * {@code tandem_frontend_http_requests_total}) so dashboards and alerts carry over. docs/metrics.md lists them.
 */
final class TandemMetrics {
    private TandemMetrics() {
    }

    static MetricSnapshots collect(LiveView view) {
        Scrape scrape = new Scrape();
        for (FrontendRuntime frontend : view.l7().frontends().values()) {
            frontend(scrape, frontend);
        }
        for (BackendRuntime backend : view.l7().backends().values()) {
            backend(scrape, backend);
        }
        for (ServiceRuntime service : view.l4().services().values()) {
            service(scrape, service);
        }
        for (VrrpInstance instance : view.vrrp()) {
            vrrp(scrape, instance);
        }
        if (view.cluster() != null) {
            cluster(scrape, view.cluster());
        }
        return scrape.build();
    }

    private static void frontend(Scrape s, FrontendRuntime frontend) {
        Labels labels = Labels.of("frontend", frontend.name());
        HttpCounters c = frontend.counters();
        s.gauge("tandem_frontend_current_sessions", "Client connections open now.", labels, c.activeConnections());
        s.counter("tandem_frontend_sessions", "Client connections accepted.", labels, c.totalConnections());
        http(s, "frontend", labels, c);
        denied(s, "frontend", labels, c);
        s.counter("tandem_frontend_request_errors", "Requests malformed or not received in time (400, 408).", labels,
                c.outcomes(HttpCounters.Outcome.REQUEST_ERROR));
    }

    private static void denied(Scrape s, String level, Labels labels, HttpCounters c) {
        s.counter("tandem_" + level + "_requests_denied", "Requests refused by an http-request deny rule.", labels,
                c.outcomes(HttpCounters.Outcome.DENIED));
    }

    /** A backend's or server's failed exchanges: bad or missing response heads, and aborts by either side. */
    private static void failures(Scrape s, String level, Labels labels, HttpCounters c) {
        s.counter("tandem_" + level + "_response_errors", "Responses the server got wrong: a malformed, missing or "
                + "late head (502, 504), or a body cut short.", labels, c.responseErrors());
        s.counter("tandem_" + level + "_client_aborts", "Requests the client left (or stopped reading) before the "
                + "end.", labels, c.outcomes(HttpCounters.Outcome.CLIENT_ABORT));
        s.counter("tandem_" + level + "_server_aborts", "Responses the server cut short in their body.", labels,
                c.outcomes(HttpCounters.Outcome.SERVER_ABORT));
    }

    private static void backend(Scrape s, BackendRuntime backend) {
        Labels labels = Labels.of("backend", backend.name());
        long sessions = 0;
        long usable = 0;
        for (Server server : backend.servers()) {
            sessions += server.activeConnections();
            usable += server.isUsable() && !server.backup() ? 1 : 0;
        }
        s.gauge("tandem_backend_current_sessions", "Requests holding a server connection slot now.", labels,
                sessions);
        s.gauge("tandem_backend_current_queue", "Requests waiting for a server slot (maxconn) now.", labels,
                backend.pool().queueLength());
        s.gauge("tandem_backend_active_servers", "Servers, not backups, that may take new requests.", labels, usable);
        HttpCounters c = backend.counters();
        http(s, "backend", labels, c);
        denied(s, "backend", labels, c);
        failures(s, "backend", labels, c);
        connects(s, "backend", labels, c);
        for (Server server : backend.servers()) {
            Labels serverLabels = Labels.of("backend", backend.name(), "server", server.name());
            health(s, "server", serverLabels, server);
            HttpCounters sc = backend.counters(server);
            http(s, "server", serverLabels, sc);
            failures(s, "server", serverLabels, sc);
            connects(s, "server", serverLabels, sc);
        }
    }

    private static void service(Scrape s, ServiceRuntime service) {
        Labels labels = Labels.of("service", service.name());
        L4Counters c = service.counters();
        traffic(s, "l4_service", labels, c);
        s.gauge("tandem_l4_service_current_queue", "Connections waiting for a server slot (maxconn) now.", labels,
                service.pool().queueLength());
        s.counter("tandem_l4_service_dropped_datagrams", "UDP datagrams dropped (flow table full, no usable "
                + "server, reply path full).", labels, c.droppedDatagrams());
        s.counter("tandem_l4_service_expired_flows", "UDP flows ended by timeout client.", labels, c.expiredFlows());
        for (Server server : service.servers()) {
            Labels serverLabels = Labels.of("service", service.name(), "server", server.name());
            health(s, "l4_server", serverLabels, server);
            traffic(s, "l4_server", serverLabels, service.counters(server));
        }
    }

    private static void http(Scrape s, String level, Labels labels, HttpCounters c) {
        s.counter("tandem_" + level + "_http_requests", "HTTP requests that ended, whatever their outcome.", labels,
                c.requests());
        for (int i = 0; i < HttpCounters.CLASSES.length; i++) {
            s.counter("tandem_" + level + "_http_responses", "HTTP responses by status class (other: no response, "
                    + "e.g. the client left).", labels.add("code", HttpCounters.CLASSES[i]), c.responses(i));
        }
        s.counter("tandem_" + level + "_bytes_in", "Request body bytes received from clients (tunnels: all bytes).",
                labels, c.bytesIn());
        s.counter("tandem_" + level + "_bytes_out", "Response body bytes sent to clients (tunnels: all bytes).",
                labels, c.bytesOut());
        s.histogram("tandem_" + level + "_http_request_duration_seconds", "Total time of a request, from its head "
                + "to the end of its response (tunnels not timed).", labels, c.totalTime().snapshot());
    }

    private static void connects(Scrape s, String level, Labels labels, TrafficCounters c) {
        s.counter("tandem_" + level + "_connection_errors", "Failed connects to servers; each attempt counts.",
                labels, c.connectErrors());
        s.counter("tandem_" + level + "_retry_warnings", "Connect attempts made again on the same server after it "
                + "failed.", labels, c.retries());
        s.counter("tandem_" + level + "_redispatch_warnings", "Connect attempts made again on another server after "
                + "a failure.", labels, c.redispatches());
        s.counter("tandem_" + level + "_loadbalanced", "Times the balancer picked a server (persistence aside).",
                labels, c.balanced());
    }

    private static void traffic(Scrape s, String level, Labels labels, TrafficCounters c) {
        s.gauge("tandem_" + level + "_current_connections", "Connections (UDP: flows) open now.", labels,
                c.activeConnections());
        s.counter("tandem_" + level + "_connections", "Connections (UDP: flows) opened.", labels,
                c.totalConnections());
        s.counter("tandem_" + level + "_bytes_in", "Bytes from clients to servers.", labels, c.bytesIn());
        s.counter("tandem_" + level + "_bytes_out", "Bytes from servers to clients.", labels, c.bytesOut());
        connects(s, level, labels, c);
    }

    /** What a server's health, admin state (DRAIN, MAINT) and slots are now. */
    private static void health(Scrape s, String level, Labels labels, Server server) {
        s.gauge("tandem_" + level + "_up", "1 while health checks find the server UP (no check: always 1).", labels,
                server.isUp() ? 1 : 0);
        s.gauge("tandem_" + level + "_draining", "1 while an operator drains the server.", labels,
                server.isDraining() ? 1 : 0);
        s.gauge("tandem_" + level + "_maint", "1 while an operator has put the server in maintenance.", labels,
                server.adminState() == Server.AdminState.MAINT ? 1 : 0);
        s.gauge("tandem_" + level + "_weight", "The server's weight now (the configured one unless set weight changed it).",
                labels, server.weight());
        if (level.equals("server")) {
            s.gauge("tandem_server_current_sessions", "Requests holding a connection slot of the server now.", labels,
                    server.activeConnections());
            s.counter("tandem_server_sessions", "Connection slots the server has handed out.", labels,
                    server.totalConnections());
        }
        s.counter("tandem_" + level + "_check_failures", "Failed health-check probes.", labels,
                server.checkFailures());
        s.counter("tandem_" + level + "_check_up_down", "Transitions from UP to DOWN.", labels,
                server.downTransitions());
        s.gauge("tandem_" + level + "_last_change_timestamp_seconds", "When the server last went UP or DOWN (or "
                + "was created).", labels, server.lastChangeMillis() / 1000.0);
    }

    private static void cluster(Scrape s, ClusterStatus c) {
        Labels labels = Labels.of("cluster", c.cluster());
        s.gauge("tandem_cluster_ready", "1 once this node holds the tables (VRRP may take the master role).", labels,
                c.ready() ? 1 : 0);
        s.gauge("tandem_cluster_members", "Members in this node's view of the cluster.", labels, c.members().size());
        s.gauge("tandem_cluster_queue_depth", "Stick-table changes waiting to be sent.", labels, c.queueDepth());
        s.counter("tandem_cluster_updates_dropped", "Changes dropped because the send queue was full.", labels,
                c.dropped());
        s.counter("tandem_cluster_updates_coalesced", "Changes merged into one already pending for the entry.",
                labels, c.coalesced());
        s.counter("tandem_cluster_updates_sent", "Changes sent to the peers.", labels, c.sent());
        s.counter("tandem_cluster_updates_received", "Changes applied from the peers.", labels, c.received());
        s.counter("tandem_cluster_joins_refused", "Joins and merges refused for a wrong secret.", labels,
                c.refusedJoins());
        ClusterStatus.Sharing shared = c.sharing();
        s.gauge("tandem_cluster_config_in_sync", "1 while every peer in the view runs the same shared config "
                + "sections (defaults, l7, l4) as this node.", labels, c.configInSync() ? 1 : 0);
        s.counter("tandem_cluster_admin_states_sent", "Admin changes (state, weight) sent to the peers.", labels,
                shared.statesSent());
        s.counter("tandem_cluster_admin_states_applied", "Admin changes from the peers applied here.", labels,
                shared.statesApplied());
        s.counter("tandem_cluster_admin_states_not_applied", "Admin changes from the peers not applied here (no "
                + "such server, a newer change held, not shared).", labels, shared.statesNotApplied());
        s.counter("tandem_cluster_configs_sent", "Shared config sections sent to the peers on reload.", labels,
                shared.configsSent());
        s.counter("tandem_cluster_configs_accepted", "Peers' shared config sections checked and applied here.",
                labels, shared.configsAccepted());
        s.counter("tandem_cluster_configs_refused", "Peers' shared config sections refused here.", labels,
                shared.configsRefused());
        for (ClusterStatus.Peer peer : c.peers()) {
            Labels p = Labels.of("cluster", c.cluster(), "peer", peer.name());
            s.gauge("tandem_cluster_peer_up", "1 while the peer is in the view.", p, peer.inView() ? 1 : 0);
            if (peer.lagMillis() != null) {
                s.gauge("tandem_cluster_replication_lag_seconds", "The last batch's send-to-apply time from the peer "
                        + "(wall clocks).", p, peer.lagMillis() / 1000.0);
            }
        }
        ClusterStatus.StateTransfer t = c.lastStateTransfer();
        if (t != null) {
            s.gauge("tandem_cluster_last_state_transfer_timestamp_seconds", "When this node last received the full "
                    + "tables.", labels, t.at().toEpochMilli() / 1000.0);
            s.gauge("tandem_cluster_last_state_transfer_seconds", "How long that transfer took.", labels,
                    t.millis() / 1000.0);
            s.gauge("tandem_cluster_last_state_transfer_changes", "Entries (and peer shares) it carried.", labels,
                    t.changes());
        }
    }

    private static void vrrp(Scrape s, VrrpInstance instance) {
        Labels labels = Labels.of("instance", instance.name());
        VrrpState current = instance.state();
        for (VrrpState state : VrrpState.values()) {
            s.gauge("tandem_vrrp_state", "1 for the instance's current state, 0 for the others.",
                    labels.add("state", state.name()), state == current ? 1 : 0);
        }
        s.gauge("tandem_vrrp_priority", "The instance's priority now (after tracking).", labels,
                instance.priority());
        s.counter("tandem_vrrp_transitions", "State changes since start.", labels, instance.transitions());
        s.counter("tandem_vrrp_adverts_sent", "Advertisements sent.", labels, instance.advertsSent());
        s.counter("tandem_vrrp_adverts_received", "Advertisements accepted from peers.", labels,
                instance.advertsReceived());
        Map<VrrpCodec.DropReason, Long> drops = instance.drops();
        for (VrrpCodec.DropReason reason : VrrpCodec.DropReason.values()) {
            s.counter("tandem_vrrp_dropped_packets", "Received packets dropped (or accepted with a warning), by "
                    + "reason.", labels.add("reason", reason.name().toLowerCase(java.util.Locale.ROOT)),
                    drops.getOrDefault(reason, 0L));
        }
        PeerAdvert peer = instance.lastAdvert();
        if (peer != null) {
            s.gauge("tandem_vrrp_peer_priority", "Priority in the last advertisement from a peer.", labels,
                    peer.priority());
            s.gauge("tandem_vrrp_peer_last_advert_timestamp_seconds", "When the last advertisement from a peer "
                    + "arrived.", labels, peer.receivedAtMillis() / 1000.0);
        }
    }
}
