package io.tandem.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Shared changes waiting for their peers' replies: each has an id that travels with it and comes back in each
 * reply; the caller waits until every peer of the view it was sent to has answered, or the time is up.
 */
final class Requests {
    private final AtomicLong ids = new AtomicLong();
    private final Map<Long, Pending> pending = new ConcurrentHashMap<>();

    private static final class Pending {
        final Set<String> peers;
        final Map<String, Outcome> replies = new ConcurrentHashMap<>();
        final CountDownLatch done;

        Pending(Set<String> peers) {
            this.peers = Set.copyOf(peers);
            this.done = new CountDownLatch(peers.size());
        }
    }

    /** A new request to {@code peers}; @return its id (never 0) */
    long open(Set<String> peers) {
        long id = ids.incrementAndGet();
        pending.put(id, new Pending(peers));
        return id;
    }

    /** {@code peer}'s reply to request {@code id}; a late or unknown one is dropped. */
    void reply(long id, String peer, Outcome outcome) {
        Pending request = pending.get(id);
        if (request != null && request.peers.contains(peer) && request.replies.putIfAbsent(peer, outcome) == null) {
            request.done.countDown();
        }
    }

    /** Waits for the replies to {@code id}, at most {@code timeout}; a peer that did not answer says so. */
    List<PeerReply> await(long id, Duration timeout) {
        Pending request = pending.get(id);
        try {
            request.done.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            pending.remove(id);
        }
        List<PeerReply> replies = new ArrayList<>();
        for (String peer : new java.util.TreeSet<>(request.peers)) {
            Outcome outcome = request.replies.get(peer);
            replies.add(new PeerReply(peer, outcome != null ? outcome : Outcome.refused("no answer within "
                    + timeout.toSeconds() + "s (it may still apply it: see tandem ctl show cluster there)",
                    List.of())));
        }
        return replies;
    }
}
