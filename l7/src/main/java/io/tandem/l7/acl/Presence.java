package io.tandem.l7.acl;

import java.net.InetAddress;

/**
 * The two pattern-less methods: {@code -m found} (the fetch has a value, of any type) and {@code -m bool} (the value
 * is an integer other than 0; text and addresses are false).
 */
enum Presence implements SampleTest {
    FOUND(true),
    BOOL(false);

    private final boolean anyValue;

    Presence(boolean anyValue) {
        this.anyValue = anyValue;
    }

    @Override
    public boolean string(String value) {
        return anyValue;
    }

    @Override
    public boolean integer(long value) {
        return anyValue || value != 0;
    }

    @Override
    public boolean address(InetAddress value) {
        return anyValue;
    }
}
