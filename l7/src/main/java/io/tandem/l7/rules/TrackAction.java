package io.tandem.l7.rules;

import io.netty.handler.codec.http.HttpHeaders;
import io.tandem.core.stick.StickTable;
import io.tandem.l7.acl.RequestFacts;
import io.tandem.l7.acl.Sample;
import io.tandem.l7.acl.StickCounters;

/**
 * {@code track-scN FETCH [table NAME]}: makes counter N of the request track the entry of the fetch's value in
 * {@code table} (created or refreshed) and counts the request there, so later rules' {@code sc_*} fetches see it.
 * As in HAProxy, a counter that already tracks an entry keeps it, and a request without the value tracks nothing.
 */
record TrackAction(int counter, Sample key, StickTable table) implements RequestAction {
    static final int COUNTERS = StickCounters.COUNT;

    @Override
    public RuleResult apply(RequestFacts request, HttpHeaders headers) {
        if (request.tracked(counter) == null) {
            String value = key.stickKey(request, table.type());
            if (value != null) {
                request.track(counter, table.touch(value));
            }
        }
        return RuleResult.CONTINUE;
    }
}
