package io.tandem.core.config;

import org.yaml.snakeyaml.DumperOptions.ScalarStyle;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.events.AliasEvent;
import org.yaml.snakeyaml.events.CollectionEndEvent;
import org.yaml.snakeyaml.events.CollectionStartEvent;
import org.yaml.snakeyaml.events.Event;
import org.yaml.snakeyaml.events.MappingEndEvent;
import org.yaml.snakeyaml.events.MappingStartEvent;
import org.yaml.snakeyaml.events.NodeEvent;
import org.yaml.snakeyaml.events.ScalarEvent;
import org.yaml.snakeyaml.events.SequenceEndEvent;
import org.yaml.snakeyaml.events.SequenceStartEvent;
import org.yaml.snakeyaml.parser.Parser;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A YAML parser that replays an anchored node's events at every alias naming it, positioned at the alias. The
 * composed tree then has one node per place a value is used, so an error in an aliased value is reported once,
 * where the alias stands, rather than once per use at the anchor. Replays are counted: aliases that expand to
 * more than {@link #MAX_EXPANDED_EVENTS} events (an alias bomb) are an error.
 */
final class AliasExpandingParser implements Parser {
    /** Far more than a config's reuse of anchors needs (a check block reused 500 times is about 5 000). */
    static final int MAX_EXPANDED_EVENTS = 20_000;

    /** An anchored collection whose events are being collected until its end event. */
    private record Recording(String anchor, int depth, List<Event> events) {
    }

    /** A YAML error at an alias: undefined, inside its own anchor, or expanding too far. */
    private static final class AliasException extends MarkedYAMLException {
        AliasException(String problem, Mark mark) {
            super(null, null, problem, mark);
        }
    }

    private final Parser parser;
    private final Map<String, List<Event>> anchors = new HashMap<>();
    private final Deque<Recording> recordings = new ArrayDeque<>();
    private final Deque<Event> replay = new ArrayDeque<>();
    private Event next;
    private int depth;
    private int expanded;

    AliasExpandingParser(Parser parser) {
        this.parser = parser;
    }

    @Override
    public boolean checkEvent(Event.ID choice) {
        Event event = peekEvent();
        return event != null && event.is(choice);
    }

    @Override
    public Event peekEvent() {
        if (next == null) {
            next = produce();
        }
        return next;
    }

    @Override
    public Event getEvent() {
        Event event = peekEvent();
        next = null;
        return event;
    }

    private Event produce() {
        Event event = replay.isEmpty() ? parser.getEvent() : replay.poll();
        if (event instanceof AliasEvent alias) {
            expand(alias);
            event = replay.poll();
        }
        if (event == null) {
            return null;
        }
        for (Recording recording : recordings) {
            recording.events().add(event);
        }
        track(event);
        return event;
    }

    private void expand(AliasEvent alias) {
        String anchor = alias.getAnchor();
        for (Recording recording : recordings) {
            if (recording.anchor().equals(anchor)) {
                throw new AliasException("alias *" + anchor + " is used inside its own anchor", alias.getStartMark());
            }
        }
        List<Event> events = anchors.get(anchor);
        if (events == null) {
            throw new AliasException("found undefined alias *" + anchor, alias.getStartMark());
        }
        expanded += events.size();
        if (expanded > MAX_EXPANDED_EVENTS) {
            throw new AliasException("aliases expand to more than " + MAX_EXPANDED_EVENTS + " values",
                    alias.getStartMark());
        }
        for (Event event : events) {
            replay.add(at(event, alias.getStartMark(), alias.getEndMark()));
        }
    }

    /** Records anchored nodes as they complete; replayed events carry no anchors. */
    private void track(Event event) {
        String anchor = event instanceof NodeEvent node ? node.getAnchor() : null;
        if (event instanceof ScalarEvent && anchor != null) {
            anchors.put(anchor, List.of(event));
        } else if (event instanceof CollectionStartEvent) {
            depth++;
            if (anchor != null) {
                List<Event> events = new ArrayList<>();
                events.add(event);
                recordings.push(new Recording(anchor, depth, events));
            }
        } else if (event instanceof CollectionEndEvent) {
            if (!recordings.isEmpty() && recordings.peek().depth() == depth) {
                Recording done = recordings.pop();
                anchors.put(done.anchor(), List.copyOf(done.events()));
            }
            depth--;
        }
    }

    /** {@code event} without its anchor, placed at the alias; scalars as plain, since no quote precedes them. */
    private static Event at(Event event, Mark start, Mark end) {
        if (event instanceof ScalarEvent s) {
            return new ScalarEvent(null, s.getTag(), s.getImplicit(), s.getValue(), start, end, ScalarStyle.PLAIN);
        }
        if (event instanceof SequenceStartEvent s) {
            return new SequenceStartEvent(null, s.getTag(), s.getImplicit(), start, end, s.getFlowStyle());
        }
        if (event instanceof MappingStartEvent m) {
            return new MappingStartEvent(null, m.getTag(), m.getImplicit(), start, end, m.getFlowStyle());
        }
        if (event instanceof SequenceEndEvent) {
            return new SequenceEndEvent(start, end);
        }
        return new MappingEndEvent(start, end);
    }
}
