package io.tandem.core.stick;

import io.tandem.core.config.ConfigValues;

/**
 * The data a stick table can store per entry, by HAProxy name: the server a key sticks to, and counters.
 * A {@code _cnt} counts since the entry was created; a {@code _rate(PERIOD)} counts over a sliding period.
 */
public enum StickData {
    /** The server a key sticks to (by name); stored by every table, as {@code stick on} needs it. */
    SERVER_ID("server_id", Kind.SERVER),
    /** Client connections that tracked the entry. */
    CONN_CNT("conn_cnt", Kind.COUNT),
    CONN_RATE("conn_rate", Kind.RATE),
    /** HTTP requests that tracked the entry. */
    HTTP_REQ_CNT("http_req_cnt", Kind.COUNT),
    HTTP_REQ_RATE("http_req_rate", Kind.RATE),
    /** Tracked requests answered with a 4xx status. */
    HTTP_ERR_CNT("http_err_cnt", Kind.COUNT),
    HTTP_ERR_RATE("http_err_rate", Kind.RATE);

    /** Whether the data is the server name, a cumulative counter or a rate over a period. */
    public enum Kind { SERVER, COUNT, RATE }

    private final String keyword;
    private final Kind kind;

    StickData(String keyword, Kind kind) {
        this.keyword = keyword;
        this.kind = kind;
    }

    public String keyword() {
        return keyword;
    }

    public Kind kind() {
        return kind;
    }

    /** The data called {@code keyword} (without a period), or null. */
    public static StickData named(String keyword) {
        return ConfigValues.named(values(), StickData::keyword, keyword);
    }
}
