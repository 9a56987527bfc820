package io.tandem.l7.acl;

/** A compiled sample fetch: reads the values of one request and offers each to a test until one matches. */
interface Fetch {

    SampleType type();

    /** True when {@code test} accepts one of the request's values; false when it has none. */
    boolean anyValue(RequestFacts request, SampleTest test);
}
