package io.tandem.l7.acl;

/** The native kind of value a fetch produces; it picks the default match method and what conversions apply. */
enum SampleType {
    STRING("text"), INTEGER("integer"), ADDRESS("address"), BOOLEAN("boolean");

    private final String label;

    SampleType(String label) {
        this.label = label;
    }

    String label() {
        return label;
    }
}
