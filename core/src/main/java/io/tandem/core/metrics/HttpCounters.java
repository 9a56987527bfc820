package io.tandem.core.metrics;

import java.util.concurrent.atomic.LongAdder;

/**
 * The HTTP traffic of one L7 frontend, backend or server: beside what {@link TrafficCounters} counts, requests,
 * responses by status class, how the requests that went wrong ended ({@link Outcome}, HAProxy's {@code dreq},
 * {@code ereq}, {@code eresp}, {@code cli_abrt}, {@code srv_abrt}), server connections made and reused,
 * the requests' total time, and the recent averages of their phases (HAProxy's {@code qtime} ... {@code ttime}). Allocation-free on the hot path (adders and a
 * {@link LatencyHistogram} made once). Connections are the clients' for a frontend; a server's are its
 * {@code Server}'s, and a backend's the sum of its servers'.
 */
public final class HttpCounters extends TrafficCounters {
    /** The response classes, in the order of {@link #responses(int)}: 1xx to 5xx, then anything else. */
    public static final String[] CLASSES = {"1xx", "2xx", "3xx", "4xx", "5xx", "other"};

    private static final int SWITCHING_PROTOCOLS = 101;

    /**
     * How a request ended, as HAProxy's error counters tell them apart. {@code SERVER_ABORT} counts as a response
     * error too, as HAProxy's {@code srv_abrt} does in {@code eresp}.
     */
    public enum Outcome {
        /** Answered, whatever the status (a 503 without a server, a redirect, a server's 500 included). */
        DONE,
        /** Refused by an {@code http-request deny} rule ({@code dreq}). */
        DENIED,
        /** Malformed, or not received in time ({@code ereq}): the proxy answered 400 or 408. */
        REQUEST_ERROR,
        /** The server's response head was malformed, cut short or late: 502 or 504 ({@code eresp}). */
        RESPONSE_ERROR,
        /** The client left, or stopped reading, before the end ({@code cli_abrt}). */
        CLIENT_ABORT,
        /** The server closed or went silent in the middle of its response body ({@code srv_abrt}, and {@code eresp}). */
        SERVER_ABORT
    }

    private final LongAdder requests = new LongAdder();
    private final LongAdder[] responses = new LongAdder[CLASSES.length];
    private final LongAdder[] outcomes = new LongAdder[Outcome.values().length];
    private final LongAdder connects = new LongAdder();
    private final LongAdder reuses = new LongAdder();
    private final LatencyHistogram totalTime = new LatencyHistogram();
    private final RecentAverage queueTime = new RecentAverage();
    private final RecentAverage connectTime = new RecentAverage();
    private final RecentAverage responseTime = new RecentAverage();
    private final RecentAverage sessionTime = new RecentAverage();

    public HttpCounters() {
        for (int i = 0; i < responses.length; i++) {
            responses[i] = new LongAdder();
        }
        for (int i = 0; i < outcomes.length; i++) {
            outcomes[i] = new LongAdder();
        }
    }

    /**
     * One request ended as {@code outcome}: its response's {@code status} (no status, or outside 100..599: "other",
     * e.g. a client that left before the answer) after {@code totalNanos} from its first byte to its end. A tunnel
     * ({@code 101}) is counted but not timed: how long a WebSocket stays open says nothing of how fast requests are
     * answered.
     */
    public void request(int status, long totalNanos, Outcome outcome) {
        requests.increment();
        responses[classIndex(status)].increment();
        if (outcome != Outcome.DONE) {
            outcomes[outcome.ordinal()].increment();
        }
        if (status != SWITCHING_PROTOCOLS) {
            totalTime.record(totalNanos);
        }
    }

    /**
     * The phases of a request a server answered, in milliseconds: waiting in the queue, connecting (0 on a reused
     * connection), the server's time to its response head, and the request's total.
     */
    public void phases(long queueMillis, long connectMillis, long responseMillis, long totalMillis) {
        queueTime.record(queueMillis);
        connectTime.record(connectMillis);
        responseTime.record(responseMillis);
        sessionTime.record(totalMillis);
    }

    /**
     * A request's attempt at a server connection: a new one (counted whether it connects or fails, as HAProxy's
     * {@code connect}), or one {@code reused} from the idle pool.
     */
    public void upstream(boolean reused) {
        (reused ? reuses : connects).increment();
    }

    /** Requests that ended as {@code outcome}; for {@link Outcome#DONE}, 0 (those are the rest of {@link #requests}). */
    public long outcomes(Outcome outcome) {
        return outcome == Outcome.DONE ? 0 : outcomes[outcome.ordinal()].sum();
    }

    /** Response errors as HAProxy's {@code eresp} counts them: bad or missing response heads and server aborts. */
    public long responseErrors() {
        return outcomes(Outcome.RESPONSE_ERROR) + outcomes(Outcome.SERVER_ABORT);
    }

    /** New server connections tried for requests, failed ones included (HAProxy's {@code connect}). */
    public long connects() {
        return connects.sum();
    }

    /** Idle server connections reused for requests (HAProxy's {@code reuse}). */
    public long reuses() {
        return reuses.sum();
    }

    /** Time in the queue, recent average and maximum ({@code qtime}, {@code qtime_max}). */
    public RecentAverage queueTime() {
        return queueTime;
    }

    /** Time to connect ({@code ctime}). */
    public RecentAverage connectTime() {
        return connectTime;
    }

    /** The server's time to its response head ({@code rtime}). */
    public RecentAverage responseTime() {
        return responseTime;
    }

    /** The request's total time ({@code ttime}). */
    public RecentAverage sessionTime() {
        return sessionTime;
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
