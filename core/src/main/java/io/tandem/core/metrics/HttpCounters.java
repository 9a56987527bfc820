package io.tandem.core.metrics;

/**
 * The HTTP traffic of one L7 frontend, backend or server: beside what {@link TrafficCounters} counts, requests,
 * responses by status class, how the requests that went wrong ended ({@link Outcome}, HAProxy's {@code dreq},
 * {@code ereq}, {@code eresp}, {@code cli_abrt}, {@code srv_abrt}), server connections made and reused,
 * the requests' total time, and the recent averages of their phases (HAProxy's {@code qtime} ... {@code ttime}).
 * The histogram and the averages live in these counters' own cells ({@link Cells}), so an ended request is counted
 * in one block of the calling event loop's, without atomics or allocation. Connections are the clients' for a
 * frontend; a server's are its {@code Server}'s, and a backend's the sum of its servers'.
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

    private static final int REQUESTS = TrafficCounters.CELLS;
    private static final int RESPONSES = REQUESTS + 1;
    /** One cell per {@link Outcome} by ordinal; {@code DONE}'s stays 0 (those are the rest of the requests). */
    private static final int OUTCOMES = RESPONSES + CLASSES.length;
    private static final int CONNECTS = OUTCOMES + Outcome.values().length;
    private static final int REUSES = CONNECTS + 1;
    private static final int TOTAL_TIME = REUSES + 1;
    private static final int QUEUE_TIME = TOTAL_TIME + LatencyHistogram.CELLS;
    private static final int CONNECT_TIME = QUEUE_TIME + RecentAverage.CELLS;
    private static final int RESPONSE_TIME = CONNECT_TIME + RecentAverage.CELLS;
    private static final int SESSION_TIME = RESPONSE_TIME + RecentAverage.CELLS;
    private static final int END = SESSION_TIME + RecentAverage.CELLS;

    private final LatencyHistogram totalTime = new LatencyHistogram(cells, TOTAL_TIME);
    private final RecentAverage queueTime = new RecentAverage(cells, QUEUE_TIME);
    private final RecentAverage connectTime = new RecentAverage(cells, CONNECT_TIME);
    private final RecentAverage responseTime = new RecentAverage(cells, RESPONSE_TIME);
    private final RecentAverage sessionTime = new RecentAverage(cells, SESSION_TIME);

    public HttpCounters() {
        super(END - TrafficCounters.CELLS);
    }

    /**
     * One request ended as {@code outcome}: its response's {@code status} (no status, or outside 100..599: "other",
     * e.g. a client that left before the answer) after {@code totalNanos} from its first byte to its end, with
     * {@code bytesIn} from the client and {@code bytesOut} to it. A tunnel ({@code 101}) is counted but not timed:
     * how long a WebSocket stays open says nothing of how fast requests are answered.
     */
    public void request(int status, long totalNanos, Outcome outcome, long bytesIn, long bytesOut) {
        long[] mine = cells.mine();
        Cells.add(mine, REQUESTS, 1);
        Cells.add(mine, RESPONSES + classIndex(status), 1);
        if (outcome != Outcome.DONE) {
            Cells.add(mine, OUTCOMES + outcome.ordinal(), 1);
        }
        if (status != SWITCHING_PROTOCOLS) {
            totalTime.record(mine, totalNanos);
        }
        addBytes(mine, bytesIn, bytesOut);
    }

    /**
     * The phases of a request a server answered, in milliseconds: waiting in the queue, connecting (0 on a reused
     * connection), the server's time to its response head, and the request's total.
     */
    public void phases(long queueMillis, long connectMillis, long responseMillis, long totalMillis) {
        long[] mine = cells.mine();
        queueTime.record(mine, queueMillis);
        connectTime.record(mine, connectMillis);
        responseTime.record(mine, responseMillis);
        sessionTime.record(mine, totalMillis);
    }

    /**
     * A request's attempt at a server connection: a new one (counted whether it connects or fails, as HAProxy's
     * {@code connect}), or one {@code reused} from the idle pool.
     */
    public void upstream(boolean reused) {
        Cells.add(cells.mine(), reused ? REUSES : CONNECTS, 1);
    }

    /** Requests that ended as {@code outcome}; for {@link Outcome#DONE}, 0 (those are the rest of {@link #requests}). */
    public long outcomes(Outcome outcome) {
        return outcome == Outcome.DONE ? 0 : cells.sum(OUTCOMES + outcome.ordinal());
    }

    /** Response errors as HAProxy's {@code eresp} counts them: bad or missing response heads and server aborts. */
    public long responseErrors() {
        return outcomes(Outcome.RESPONSE_ERROR) + outcomes(Outcome.SERVER_ABORT);
    }

    /** New server connections tried for requests, failed ones included (HAProxy's {@code connect}). */
    public long connects() {
        return cells.sum(CONNECTS);
    }

    /** Idle server connections reused for requests (HAProxy's {@code reuse}). */
    public long reuses() {
        return cells.sum(REUSES);
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
        return cells.sum(REQUESTS);
    }

    /** Responses of class {@code CLASSES[index]}. */
    public long responses(int index) {
        return cells.sum(RESPONSES + index);
    }

    /** Requests' total time, from the request's head to the end of the response; tunnels left out. */
    public LatencyHistogram totalTime() {
        return totalTime;
    }
}
