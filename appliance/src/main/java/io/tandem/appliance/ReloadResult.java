package io.tandem.appliance;

import io.tandem.cluster.PeerReply;

import java.util.List;

/**
 * What one reload did, for the log, SIGHUP and the runtime API's {@code reload}: whether the new config was applied;
 * the errors that refused it ({@code FILE:LINE:COL: message}, or a listener that could not open — nothing changed
 * then); what changed (listeners, frontends, backends, servers, L4 services, VRRP instances), one line each; the
 * settings the file changes that only a restart applies (the running value is kept); and, with
 * {@code share: config}, what each peer did with the shared sections sent to it.
 */
public record ReloadResult(boolean applied, List<String> errors, List<String> changes, List<String> restartNeeded,
                           List<PeerReply> peers) {

    public ReloadResult {
        errors = List.copyOf(errors);
        changes = List.copyOf(changes);
        restartNeeded = List.copyOf(restartNeeded);
        peers = List.copyOf(peers);
    }

    public ReloadResult(boolean applied, List<String> errors, List<String> changes, List<String> restartNeeded) {
        this(applied, errors, changes, restartNeeded, List.of());
    }

    /** A reload that changed nothing because of {@code errors}. */
    static ReloadResult refused(List<String> errors) {
        return new ReloadResult(false, errors, List.of(), List.of());
    }

    /** This result with the peers' replies to the shared sections it sent. */
    ReloadResult withPeers(List<PeerReply> replies) {
        return new ReloadResult(applied, errors, changes, restartNeeded, replies);
    }

    /** True when a peer refused the shared sections or did not answer. */
    public boolean peerRefused() {
        return peers.stream().anyMatch(p -> !p.outcome().ok());
    }

    /**
     * One line per peer ({@code peer lb-b: applied: 2 change(s)}), each followed by its detail lines indented:
     * the changes, or every error that refused it, placed in the sender's file or (named {@code lb-b:FILE}) the
     * peer's own.
     */
    public List<String> peerLines() {
        List<String> lines = new java.util.ArrayList<>();
        for (PeerReply reply : peers) {
            lines.add("peer " + reply.peer() + ": " + reply.outcome().summary());
            reply.outcome().lines().forEach(line -> lines.add("  peer " + reply.peer() + ": " + line));
        }
        return lines;
    }

    /** One line: {@code applied: 3 change(s), 1 setting(s) need a restart} or {@code refused: 2 error(s)}. */
    public String summary() {
        if (!applied) {
            return "refused: " + errors.size() + " error(s), nothing changed";
        }
        return "applied: " + (changes.isEmpty() ? "no change" : changes.size() + " change(s)")
                + (restartNeeded.isEmpty() ? "" : ", " + restartNeeded.size() + " setting(s) need a restart")
                + (errors.isEmpty() ? "" : ", " + errors.size() + " error(s)");
    }
}
