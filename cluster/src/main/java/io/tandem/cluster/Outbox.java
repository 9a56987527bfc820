package io.tandem.cluster;

import io.tandem.core.stick.StickEntry;
import io.tandem.core.stick.StickTable;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.LongAdder;

/**
 * The bounded queue between the data path and the cluster's sender: at most one pending change per entry (a later
 * change of a pending entry replaces it and keeps its place, since the sender reads the entry's state when it sends),
 * in the order entries first became dirty. When it holds {@code capacity} entries the oldest pending change is
 * dropped and counted: the data path never waits, and the next change of that entry sends its full state again.
 * {@link #offer} is lock-free apart from the map's bin lock; {@link #drain} runs on the sender's thread only.
 */
final class Outbox {

    /** What is pending for one entry ({@code key} null: the whole table, for a clear). */
    record Slot(StickTable table, String key) {
    }

    /** A pending change: the entry to send the state of, or null for a removal (or a clear when the slot's key is null). */
    record Pending(Slot slot, StickEntry entry) {
    }

    private final int capacity;
    private final ConcurrentHashMap<Slot, Pending> pending = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<Slot> order = new ConcurrentLinkedQueue<>();
    private final LongAdder dropped = new LongAdder();
    private final LongAdder coalesced = new LongAdder();
    private final Runnable wake;

    Outbox(int capacity, Runnable wake) {
        this.capacity = capacity;
        this.wake = wake;
    }

    /** Marks {@code entry} of {@code table} dirty. */
    void updated(StickTable table, StickEntry entry) {
        offer(new Pending(new Slot(table, entry.key()), entry));
    }

    void removed(StickTable table, String key) {
        offer(new Pending(new Slot(table, key), null));
    }

    /** A clear supersedes every change of the table still pending. */
    void cleared(StickTable table) {
        pending.keySet().removeIf(slot -> slot.table() == table);
        offer(new Pending(new Slot(table, null), null));
    }

    private void offer(Pending change) {
        if (pending.put(change.slot(), change) != null) {
            coalesced.increment();
        } else {
            order.add(change.slot());
            while (pending.size() > capacity) {
                Slot oldest = order.poll();
                if (oldest == null) {
                    break;
                }
                if (pending.remove(oldest) != null) {
                    dropped.increment();
                }
            }
        }
        wake.run();
    }

    /** Takes up to {@code max} pending changes, oldest first. */
    List<Pending> drain(int max) {
        List<Pending> out = new ArrayList<>(Math.min(max, 256));
        while (out.size() < max) {
            Slot slot = order.poll();
            if (slot == null) {
                break;
            }
            Pending change = pending.remove(slot);
            if (change != null) {
                out.add(change);
            }
        }
        return out;
    }

    boolean isEmpty() {
        return pending.isEmpty();
    }

    /** Changes waiting to be sent. */
    int depth() {
        return pending.size();
    }

    /** Changes dropped because the queue was full. */
    long dropped() {
        return dropped.sum();
    }

    /** Changes merged into one already pending for the same entry. */
    long coalesced() {
        return coalesced.sum();
    }
}
