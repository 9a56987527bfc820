package io.tandem.cluster;

/** One peer's answer to a shared change, or its silence ({@link Outcome#ok} false, "no answer within ..."). */
public record PeerReply(String peer, Outcome outcome) {
}
