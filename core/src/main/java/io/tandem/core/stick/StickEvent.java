package io.tandem.core.stick;

/** Something a tracked entry counts; each event bumps its cumulative counter and its rate, where stored. */
public enum StickEvent {
    CONNECTION(StickData.CONN_CNT, StickData.CONN_RATE),
    HTTP_REQUEST(StickData.HTTP_REQ_CNT, StickData.HTTP_REQ_RATE),
    HTTP_ERROR(StickData.HTTP_ERR_CNT, StickData.HTTP_ERR_RATE);

    private final StickData count;
    private final StickData rate;

    StickEvent(StickData count, StickData rate) {
        this.count = count;
        this.rate = rate;
    }

    public StickData count() {
        return count;
    }

    public StickData rate() {
        return rate;
    }
}
