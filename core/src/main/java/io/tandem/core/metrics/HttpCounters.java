package io.tandem.core.metrics;

import java.util.concurrent.atomic.LongAdder;

/**
 * The HTTP traffic of one L7 frontend, backend or server: beside what {@link TrafficCounters} counts, requests,
 * responses by status class and the requests' total time. Allocation-free on the hot path (adders and a
 * {@link LatencyHistogram} made once). Connections are the clients' for a frontend; a server's are its
 * {@code Server}'s, and a backend's the sum of its servers'.
 */
public final class HttpCounters extends TrafficCounters {
    /** The response classes, in the order of {@link #responses(int)}: 1xx to 5xx, then anything else. */
    public static final String[] CLASSES = {"1xx", "2xx", "3xx", "4xx", "5xx", "other"};

    private static final int SWITCHING_PROTOCOLS = 101;

    private final LongAdder requests = new LongAdder();
    private final LongAdder[] responses = new LongAdder[CLASSES.length];
    private final LatencyHistogram totalTime = new LatencyHistogram();

    public HttpCounters() {
        for (int i = 0; i < responses.length; i++) {
            responses[i] = new LongAdder();
        }
    }

    /**
     * One request ended: its response's {@code status} (no status, or outside 100..599: "other", e.g. a client
     * that left before the answer) after {@code totalNanos} from its first byte to its end. A tunnel ({@code 101})
     * is counted but not timed: how long a WebSocket stays open says nothing of how fast requests are answered.
     */
    public void request(int status, long totalNanos) {
        requests.increment();
        responses[classIndex(status)].increment();
        if (status != SWITCHING_PROTOCOLS) {
            totalTime.record(totalNanos);
        }
    }

    /** The index into {@link #CLASSES} of {@code status}. */
    public static int classIndex(int status) {
        return status >= 100 && status < 600 ? status / 100 - 1 : CLASSES.length - 1;
    }

    /** Requests that ended, whatever their outcome. */
    public long requests() {
        return requests.sum();
    }

    /** Responses of class {@code CLASSES[index]}. */
    public long responses(int index) {
        return responses[index].sum();
    }

    /** Requests' total time, from the request's head to the end of the response; tunnels left out. */
    public LatencyHistogram totalTime() {
        return totalTime;
    }
}
