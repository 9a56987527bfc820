package io.tandem.l7.acl;

/**
 * A compiled sample fetch: the type of its values, and how it reads them from one request and offers each to a
 * test until one matches.
 */
record Fetch(SampleType type, Values values) {

    /** The reading part of a fetch. */
    @FunctionalInterface
    interface Values {
        /** True when {@code test} accepts one of the request's values; false when it has none. */
        boolean any(RequestFacts request, SampleTest test);
    }

    /** True when {@code test} accepts one of the request's values; false when it has none. */
    boolean anyValue(RequestFacts request, SampleTest test) {
        return values.any(request, test);
    }
}
